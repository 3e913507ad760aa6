// The runtime across real OS processes and real sockets on 127.0.0.1: the
// test process runs one node, runtime_test_peer runs the other.

#include <doctest/doctest.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "runtime/dispatch.hpp"
#include "runtime/node.hpp"
#include "runtime/testing/child_process.hpp"
#include "runtime/testing/test_certificate_authority.hpp"
#include "runtime/testing/temporary_directory.hpp"
#include "tests/runtime/real_nodes.hpp"
#include "tests/runtime/test_processes.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using runtime::address;
using runtime::drop_reason;
using runtime::exit_kind;
using runtime::testing::tls_files;
using test::generous;
using test::local_node;
using test::start_echo_peer;
using test::start_peer;
using test::tls_flags;
using test::use_tls;

TEST_CASE("a message to another OS process is serialized once and answered") {
  local_node here;
  auto [peer, echo] = start_echo_peer({});
  auto before = runtime::envelope::serialized_count();
  REQUIRE(here.ping_once(echo, 1));
  // Our ping was serialized here; the pong was serialized by the peer.
  CHECK(runtime::envelope::serialized_count() - before == 1);
  CHECK(here.log->pongs()[0].from == echo);
}

TEST_CASE("a peer killed with SIGKILL is reported as a lost connection at once") {
  // Heartbeats would need 60 s: a report within the wait below can only come
  // from the connection closing.
  local_node here([](runtime::node_config& cfg) { cfg.heartbeat_timeout = 60s; });
  auto [peer, echo] = start_echo_peer({});
  here.on_probe([&, echo = echo](test::probe_process& p) { p.watch(echo); });
  REQUIRE(here.ping_once(echo, 1));
  auto killed_at = std::chrono::steady_clock::now();
  peer.signal(SIGKILL);
  REQUIRE(here.log->wait_for([&] { return !here.log->exits().empty(); }, 20s));
  auto latency = std::chrono::steady_clock::now() - killed_at;
  auto exits = here.log->exits();
  CHECK(exits[0].peer == echo);
  CHECK(exits[0].kind == exit_kind::connection_lost);
  MESSAGE("SIGKILL reported after "
          << std::chrono::duration_cast<std::chrono::microseconds>(latency).count()
          << " us");
}

TEST_CASE("a hung peer (SIGSTOP) is reported once heartbeats go missing") {
  auto heartbeats = [](runtime::node_config& cfg) {
    cfg.heartbeat_interval = 100ms;
    cfg.heartbeat_timeout = 500ms;
  };
  local_node here(heartbeats);
  auto [peer, echo] =
      start_echo_peer({"--heartbeat_interval=100ms", "--heartbeat_timeout=500ms"});
  here.on_probe([&, echo = echo](test::probe_process& p) { p.watch(echo); });
  REQUIRE(here.ping_once(echo, 1));
  auto stopped_at = std::chrono::steady_clock::now();
  peer.signal(SIGSTOP);
  REQUIRE(here.log->wait_for([&] { return !here.log->exits().empty(); }, 20s));
  auto latency = std::chrono::steady_clock::now() - stopped_at;
  auto exits = here.log->exits();
  CHECK(exits[0].peer == echo);
  CHECK(exits[0].kind == exit_kind::connection_lost);
  MESSAGE("SIGSTOP reported after "
          << std::chrono::duration_cast<std::chrono::milliseconds>(latency).count()
          << " ms (heartbeat timeout 500 ms)");
  peer.signal(SIGCONT);
}

TEST_CASE("bad messages from another process are dropped and counted; we go on") {
  local_node here([](runtime::node_config& cfg) { cfg.max_message_size = 65536; });
  auto peer = start_peer(
      {"--role=mischief", "--target=" + here.echo.str(), "--oversize_bytes=100000"});
  auto code = peer.wait(generous);
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(peer.lines() == std::vector<std::string>{"pong 1"});
  auto& n = *here.node;
  CHECK(n.dropped(drop_reason::unknown_type).value() == 1);
  CHECK(n.dropped(drop_reason::parse_error).value() == 1);
  CHECK(n.dropped(drop_reason::oversize).value() == 1);
  CHECK(here.echo_log->pings() == 1);
}

TEST_CASE("a process that does not exist on a live node is reported unreachable") {
  local_node here;
  auto [peer, echo] = start_echo_peer({});
  auto ghost = *address::make("ghost", echo.host(), echo.port());
  here.on_probe([&](test::probe_process& p) {
    p.watch(ghost);
    p.ping(ghost, 1);
  });
  REQUIRE(here.log->wait_for([&] { return !here.log->exits().empty(); }, generous));
  auto exits = here.log->exits();
  CHECK(exits[0].kind == exit_kind::unreachable);
  CHECK(exits[0].detail.find("no process named 'ghost'") != std::string::npos);
  CHECK(here.node->dropped(drop_reason::unroutable).value() == 1);
}

TEST_CASE("TLS admits a trusted peer and refuses plaintext and untrusted ones") {
  auto dir = runtime::testing::make_temporary_directory("tls-test");
  REQUIRE(dir);
  auto ca = runtime::testing::test_certificate_authority::create(*dir, "cluster");
  auto rogue_ca = runtime::testing::test_certificate_authority::create(*dir, "rogue");
  REQUIRE(ca);
  REQUIRE(rogue_ca);
  auto server_files = ca->issue("server");
  auto client_files = ca->issue("client");
  auto rogue_files = rogue_ca->issue("rogue");
  REQUIRE(server_files);
  REQUIRE(client_files);
  REQUIRE(rogue_files);
  local_node here([&](runtime::node_config& cfg) { use_tls(cfg, *server_files); });
  // A healthy connection that must survive everyone else's failed handshakes.
  auto [friend_peer, friend_echo] = start_echo_peer(tls_flags(*client_files));
  REQUIRE(here.ping_once(friend_echo, 1));

  auto ping = [&](std::vector<std::string> flags) {
    flags.push_back("--role=ping");
    flags.push_back("--target=" + here.echo.str());
    auto peer = start_peer(std::move(flags));
    auto code = peer.wait(generous);
    REQUIRE(code);
    return std::make_pair(*code, peer.lines());
  };

  // A peer with a certificate from the cluster's CA gets through.
  auto [trusted_code, trusted_lines] = ping(tls_flags(*client_files));
  CHECK(trusted_code == 0);
  CHECK(trusted_lines == std::vector<std::string>{"pong 1"});
  // A plaintext peer cannot connect.
  auto [plain_code, plain_lines] = ping({});
  CHECK(plain_code == 1);
  REQUIRE(plain_lines.size() == 1);
  CHECK(plain_lines[0].rfind("exited unreachable: cannot connect", 0) == 0);
  // A peer whose certificate the cluster does not trust cannot connect.
  auto untrusted = tls_flags(*rogue_files);
  untrusted.push_back("--tls_ca=" + ca->certificate_path());
  auto [untrusted_code, untrusted_lines] = ping(untrusted);
  CHECK(untrusted_code == 1);
  REQUIRE(untrusted_lines.size() == 1);
  CHECK(untrusted_lines[0].rfind("exited unreachable", 0) == 0);
  // A peer that does not trust the cluster's CA does not connect either.
  auto [distrust_code, distrust_lines] = ping(tls_flags(*rogue_files));
  CHECK(distrust_code == 1);
  CHECK(here.echo_log->pings() == 1);

  // The failed handshakes left OpenSSL errors behind on our side; the
  // established connection still works (runtime/port/tls_session.hpp).
  REQUIRE(here.ping_once(friend_echo, 2));
  CHECK(here.log->exits().empty());
}

TEST_CASE("unusable TLS files stop a node at start-up, naming the file") {
  auto dir = runtime::testing::make_temporary_directory("tls-bad");
  REQUIRE(dir);
  auto ca = runtime::testing::test_certificate_authority::create(*dir, "cluster");
  REQUIRE(ca);
  auto one = ca->issue("one");
  auto two = ca->issue("two");
  REQUIRE(one);
  REQUIRE(two);
  auto start = [](const tls_files& files) {
    auto cfg = std::make_unique<runtime::node_config>();
    use_tls(*cfg, files);
    return runtime::node::start(std::move(cfg));
  };
  auto not_a_certificate = start({one->key, one->key, one->ca});
  REQUIRE_FALSE(not_a_certificate);
  CHECK(not_a_certificate.error().message.find("is not a PEM certificate") !=
        std::string::npos);
  auto mismatched = start({one->certificate, two->key, one->ca});
  REQUIRE_FALSE(mismatched);
  CHECK(mismatched.error().message.find("does not belong to certificate") !=
        std::string::npos);
  auto missing_key = start({one->certificate, *dir + "/missing.key", one->ca});
  REQUIRE_FALSE(missing_key);
  CHECK(missing_key.error().message.find("cannot read --tls_key") != std::string::npos);
}

TEST_CASE("a taken port is a start-up error") {
  local_node first;
  auto cfg = std::make_unique<runtime::node_config>();
  cfg->port = first.node->port();
  auto second = runtime::node::start(std::move(cfg));
  REQUIRE_FALSE(second);
  CHECK(second.error().message.find("cannot listen on 127.0.0.1:" +
                                    std::to_string(first.node->port())) !=
        std::string::npos);
}

TEST_CASE("two nodes that dial each other both keep working") {
  // CAF keeps one connection per pair of nodes and closes the second one a
  // node dials; neither side may lose its peers over it, with or without TLS.
  auto files = test::issue_certificates("dial-both", {"a", "b"});
  auto& a_files = files[0];
  auto& b_files = files[1];
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    local_node a([&](runtime::node_config& cfg) {
      if (tls)
        use_tls(cfg, a_files);
    });
    local_node b([&](runtime::node_config& cfg) {
      if (tls)
        use_tls(cfg, b_files);
    });
    a.on_probe([&](test::probe_process& p) { p.watch(b.echo); });
    REQUIRE(a.ping_once(b.echo, 1));
    // b has not heard from a's echo: it dials a's node itself.
    b.on_probe([&](test::probe_process& p) { p.watch(a.echo); });
    REQUIRE(b.ping_once(a.echo, 2));
    REQUIRE(a.ping_once(b.echo, 3));
    CHECK(a.log->exits().empty());
    CHECK(b.log->exits().empty());
  }
}
