// A node's port under attack, on real sockets: the node under attack is a
// runtime_test_peer process whose memory and CPU time are read from /proc,
// and a node in this test process keeps pinging it throughout, as a
// framework would keep talking to its master.

#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/runtime/raw_connection.hpp"
#include "tests/runtime/real_nodes.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using runtime::testing::child_process;
using test::basp_client_handshake;
using test::basp_header;
using test::generous;
using test::local_node;
using test::raw_connection;
using test::raw_tls;

namespace {

// The most resident memory process `pid` has had (VmHWM), in KiB: an
// allocation freed again before anyone looks still counts.
long peak_resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

// CPU time process `pid` has used, in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  // Fields after the command name, which is in parentheses.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i == 14 || i == 15)
      ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

constexpr long memory_margin_kib = 48 * 1024;

// The node under attack and the echo it serves.
struct target {
  child_process process;
  runtime::address echo;

  explicit target(std::vector<std::string> flags) {
    auto [peer, address] = test::start_echo_peer(std::move(flags));
    process = std::move(peer);
    echo = address;
  }

  uint16_t port() const { return echo.port(); }
  long peak_memory() const { return peak_resident_kib(process.pid()); }
};

// Starts a connection that has completed its handshake (as a node would),
// having read the target's own handshake.
std::unique_ptr<raw_connection> identified_connection(uint16_t port, uint32_t pid,
                                                      raw_tls* tls = nullptr) {
  auto c = std::make_unique<raw_connection>(port, tls);
  REQUIRE(c->ok());
  REQUIRE(c->send(basp_client_handshake(pid)));
  REQUIRE_FALSE(c->read_some(generous).empty());
  return c;
}

// The attacks of the first two cases: headers claiming 4 GB before and after
// the handshake, and a byte buffer claiming 4 GB inside a message.
void attack_with_huge_lengths(target& node, local_node& framework, raw_tls* tls) {
  REQUIRE(framework.ping_once(node.echo, 1));
  auto before = node.peak_memory();
  std::vector<std::unique_ptr<raw_connection>> attackers;
  for (int i = 0; i < 3; ++i) {
    attackers.push_back(std::make_unique<raw_connection>(node.port(), tls));
    REQUIRE(attackers.back()->ok());
    REQUIRE(attackers.back()->send(basp_header(1, 0xFFFFFFF0u)));
  }
  for (auto& a : attackers)
    CHECK(a->closed_within(generous));
  // After a valid handshake: the frame is skipped, the connection goes on.
  std::vector<std::unique_ptr<raw_connection>> identified;
  for (uint32_t i = 0; i < 3; ++i) {
    identified.push_back(identified_connection(node.port(), 1000 + i, tls));
    REQUIRE(identified.back()->send(basp_header(2, 0xFFFFFFF0u, 1)));
    REQUIRE(identified.back()->send(std::string(1 << 20, 'x')));
  }
  // A message holding a byte buffer that claims 4 GB (CAF would size it
  // before reading it).
  std::string charbuf;
  charbuf += '\0';                    // no forwarding stack
  charbuf += std::string("\0\0", 2);  // a message named by type names
  std::string names = "@<>+@charbuf";
  charbuf += static_cast<char>(names.size());
  charbuf += names;
  charbuf += std::string("\xf0\xff\xff\xff\x0f", 5);  // 0xFFFFFFF0 as a varint
  auto buffer_attacker = identified_connection(node.port(), 2000, tls);
  REQUIRE(buffer_attacker->send(
      basp_header(2, static_cast<uint32_t>(charbuf.size()), 1) + charbuf));
  // The node serves its framework while all of that is open.
  REQUIRE(framework.ping_once(node.echo, 2));
  auto after = node.peak_memory();
  MESSAGE("peak resident memory of the target: " << before << " KiB before, " << after
                                                 << " KiB after the attack");
  CHECK(after - before < memory_margin_kib);
}

}  // namespace

TEST_CASE("lengths claiming 4 GB cost a node no memory and no service") {
  target node({});
  local_node framework;
  attack_with_huge_lengths(node, framework, nullptr);
}

TEST_CASE("lengths claiming 4 GB cost a TLS node no memory and no service") {
  auto files = test::issue_certificates("port-tls", {"node", "framework", "attacker"});
  auto& node_files = files[0];
  auto& framework_files = files[1];
  raw_tls trusted(&files[2]);
  target node(test::tls_flags(node_files));
  local_node framework(
      [&](runtime::node_config& cfg) { test::use_tls(cfg, framework_files); });
  attack_with_huge_lengths(node, framework, &trusted);
  // Without a certificate the handshake fails and the connection is closed.
  raw_tls anonymous(nullptr);
  raw_connection stranger(node.port(), &anonymous);
  CHECK((!stranger.ok() || stranger.closed_within(generous)));
  REQUIRE(framework.ping_once(node.echo, 3));
}

TEST_CASE("a connection that stops short of its handshake is closed at its deadline") {
  target node({"--handshake_timeout=300ms"});
  local_node framework;
  REQUIRE(framework.ping_once(node.echo, 1));
  raw_connection partial(node.port());
  REQUIRE(partial.send(basp_header(1, 32).substr(0, 10)));
  raw_connection silent(node.port());
  raw_connection slow_payload(node.port());
  REQUIRE(slow_payload.send(basp_header(1, 32)));
  CHECK(partial.closed_within(generous));
  CHECK(silent.closed_within(generous));
  CHECK(slow_payload.closed_within(generous));
  REQUIRE(framework.ping_once(node.echo, 2));
}

TEST_CASE("a connection that speaks neither the actor protocol nor HTTP is closed") {
  target node({});
  raw_connection web(node.port());
  REQUIRE(web.send("hello, is this SMTP?\r\n"));
  CHECK(web.closed_within(generous));
  raw_connection wrong_first_frame(node.port());
  REQUIRE(wrong_first_frame.send(basp_header(1, 0) + basp_header(6, 0)));
  CHECK(wrong_first_frame.closed_within(generous));
}

TEST_CASE("silent connections beyond the bound make room; the node's clients get in") {
  target node({"--max_unidentified_connections=8", "--handshake_timeout=60s"});
  std::vector<std::unique_ptr<raw_connection>> silent;
  for (int i = 0; i < 40; ++i) {
    silent.push_back(std::make_unique<raw_connection>(node.port()));
    REQUIRE(silent.back()->ok());
  }
  // The 32 waiting longest were shut down to make room, at once.
  for (int i = 0; i < 32; ++i)
    CHECK(silent[i]->closed_within(generous));
  // A new node still connects (its connection makes room in turn).
  local_node framework;
  REQUIRE(framework.ping_once(node.echo, 1));
}

TEST_CASE("random bytes cost a node no memory and no service") {
  target node({});
  local_node framework;
  REQUIRE(framework.ping_once(node.echo, 1));
  auto before = node.peak_memory();
  std::mt19937_64 random(17);
  for (int stream = 0; stream < 400; ++stream) {
    std::string bytes(1 + random() % 8192, '\0');
    for (auto& b : bytes)
      b = static_cast<char>(random());
    // A quarter start like a frame of the actor protocol (an operation CAF
    // knows, whatever length follows), some of those claiming a plausible
    // length; a few more start like a client handshake.
    if (stream % 4 == 0)
      bytes[0] = static_cast<char>(random() % 7);
    if (stream % 8 == 0 && bytes.size() >= 8)
      bytes[4] = bytes[5] = 0;
    if (stream % 16 == 1)
      bytes[0] = 1;
    raw_connection c(node.port());
    REQUIRE(c.ok());
    c.send(bytes);
  }
  REQUIRE(framework.ping_once(node.echo, 2));
  auto peak = node.peak_memory();
  MESSAGE("peak resident memory of the target: " << before << " KiB before, " << peak
                                                 << " KiB after 400 random streams");
  CHECK(peak - before < memory_margin_kib);
}

TEST_CASE(
    "a node out of file descriptors says so, sheds connections without spinning, "
    "and serves again once they go") {
  // 64 descriptors; the bound of unidentified connections follows (16), so
  // it takes connections that complete their handshake to exhaust them.
  auto peer = child_process::start(
      {"/bin/sh", "-c",
       "ulimit -n 64 && exec " + test::peer_program() + " --role=serve 2>&1"});
  REQUIRE(peer);
  auto ready = peer->wait_for_line("ready ", generous);
  REQUIRE(ready);
  auto echo = runtime::address::parse(*ready);
  REQUIRE(echo);
  std::vector<std::unique_ptr<raw_connection>> held;
  for (uint32_t i = 0; i < 80; ++i) {
    auto c = std::make_unique<raw_connection>(echo->port());
    if (!c->ok())
      break;
    c->send(basp_client_handshake(3000 + i));
    held.push_back(std::move(c));
  }
  REQUIRE(peer->wait_for_line_containing("no file descriptor left", generous));
  // With connections waiting in the listen queue and none to accept them
  // with, the node must not spin: a spinning one burns a core's second in
  // a second.
  for (int i = 0; i < 20; ++i)
    held.push_back(std::make_unique<raw_connection>(echo->port()));
  auto cpu_before = cpu_seconds(peer->pid());
  auto waited_from = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(1s);  // a window to measure CPU time in
  auto window =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - waited_from);
  auto used = cpu_seconds(peer->pid()) - cpu_before;
  MESSAGE("CPU time of the target out of descriptors: " << used << " s in "
                                                        << window.count() << " s");
  CHECK(used < 0.5 * window.count());
  held.clear();
  local_node framework;
  REQUIRE(framework.ping_once(*echo, 1));
}

TEST_CASE("a node with connections still in their handshake shuts down at once") {
  target node({"--handshake_timeout=600s"});
  raw_connection silent(node.port());
  raw_connection partial(node.port());
  REQUIRE(partial.send(basp_header(1, 32).substr(0, 10)));
  // The test's own node is identified; the two above are not.
  local_node framework;
  REQUIRE(framework.ping_once(node.echo, 1));
  node.process.close_stdin();
  auto code = node.process.wait(generous);
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(silent.closed_within(generous));
}
