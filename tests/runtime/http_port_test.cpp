// HTTP on a node's port, on real sockets: the port that carries the actor
// protocol answers HTTP/1.1 too, routes belong to processes, and what a
// web client gets wrong (half a request, a body over the limit, silence)
// is answered or closed while the node serves on.

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/dispatch.hpp"
#include "runtime/testing/http_client.hpp"
#include "runtime/testing/watched_state.hpp"
#include "tests/runtime/real_nodes.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using runtime::testing::http_client;
using test::generous;
using test::local_node;

namespace {

// What the web process's handlers saw, readable from the test thread.
class web_log : public runtime::testing::watched_state {
 public:
  void stream_client_gone() {
    change([&] { ++gone_; });
  }
  int gone() const {
    return read([&] { return gone_; });
  }
  void process_started() {
    change([&] { started_ = true; });
  }
  bool started() const {
    return read([&] { return started_; });
  }
  void process_stopped() {
    change([&] { stopped_ = true; });
  }
  bool stopped() const {
    return read([&] { return stopped_; });
  }

 private:
  int gone_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

// Bigger than what may wait unread for a peer (64 MiB), as a big cluster's
// /master/state is.
constexpr std::size_t big_answer_size = 65 << 20;

// A process with HTTP routes, as the master and agent will have.
class web_process : public runtime::process {
 public:
  web_process(caf::actor_config& cfg, runtime::node& owner, address self,
              std::shared_ptr<web_log> log)
      : process(cfg, owner, std::move(self)), log_(std::move(log)) {}

  void stop() { quit(); }

 protected:
  void on_stop() override { log_->process_stopped(); }

  void on_start() override {
    route("/web/echo", &web_process::on_echo);
    route("/web/ticks", &web_process::on_ticks);
    route("/web/forever", &web_process::on_forever);
    route("/web/files/", &web_process::on_files);
    route("/web/big", &web_process::on_big);
    log_->process_started();
  }

 private:
  void on_echo(const runtime::http::request& r, const runtime::http::responder& out) {
    ++handled_;
    out.respond(runtime::http::response::ok(
        r.method + " " + r.body + " #" + std::to_string(handled_), "text/plain"));
  }

  void on_ticks(const runtime::http::request&, const runtime::http::responder& out) {
    auto stream = out.open_stream(runtime::http::response::ok("", "text/plain"));
    for (int i = 1; i <= 3; ++i)
      stream.write("tick " + std::to_string(i));
    stream.close();
  }

  void on_forever(const runtime::http::request&, const runtime::http::responder& out) {
    auto stream = out.open_stream(runtime::http::response::ok("", "text/plain"));
    stream.write("first");
    auto log = log_;
    stream.on_client_gone([log] { log->stream_client_gone(); });
    streams_.push_back(stream);
  }

  void on_big(const runtime::http::request&, const runtime::http::responder& out) {
    out.respond(
        runtime::http::response::ok(std::string(big_answer_size, 'b'), "text/plain"));
  }

  void on_files(const runtime::http::request& r, const runtime::http::responder& out) {
    out.respond(runtime::http::response::ok("under " + r.path, "text/plain"));
  }

  std::shared_ptr<web_log> log_;
  int handled_ = 0;
  std::vector<runtime::http::stream> streams_;
};

std::unique_ptr<http_client> connect_to(
    uint16_t port, const runtime::testing::tls_files* tls = nullptr) {
  auto client = http_client::connect(port, tls);
  REQUIRE_MESSAGE(client, (client ? "" : client.error().message));
  return std::move(*client);
}

runtime::testing::http_reply get(http_client& client, const std::string& target,
                                 const std::string& method = "GET",
                                 const std::string& body = "") {
  auto reply = client.request(method, target, body);
  REQUIRE_MESSAGE(reply, (reply ? "" : reply.error().message));
  return *reply;
}

}  // namespace

TEST_CASE("one port answers the actor protocol and HTTP") {
  local_node served;
  local_node framework;
  REQUIRE(framework.ping_once(served.echo, 1));
  auto web = connect_to(served.node->port());
  auto health = get(*web, "/health");
  CHECK(health.status == 200);
  CHECK(health.body.empty());
  // The same connection, kept alive.
  auto version = get(*web, "/version");
  CHECK(version.status == 200);
  CHECK(version.header("Content-Type") == "application/json");
  CHECK(version.body.find("\"version\":\"") != std::string::npos);
  auto metrics = get(*web, "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("# TYPE mensa_runtime_processes gauge") != std::string::npos);
  CHECK(get(*web, "/metrics/snapshot").body.find("\"runtime/processes\":") !=
        std::string::npos);
  CHECK(get(*web, "/nothing/here").status == 404);
  auto refused = get(*web, "/health", "POST");
  CHECK(refused.status == 405);
  CHECK(refused.header("Allow") == "GET, HEAD");
  REQUIRE(framework.ping_once(served.echo, 2));
}

TEST_CASE("a process's routes answer from inside it, and go with it") {
  local_node served;
  auto log = std::make_shared<web_log>();
  REQUIRE(served.node->spawn<web_process>("web", log));
  REQUIRE(log->wait_for([&] { return log->started(); }, generous));
  auto web = connect_to(served.node->port());
  auto echoed = get(*web, "/web/echo", "POST", "hello");
  CHECK(echoed.status == 200);
  CHECK(echoed.body == "POST hello #1");
  CHECK(get(*web, "/web/echo").body == "GET  #2");
  CHECK(get(*web, "/web/files/a/b.txt").body == "under /web/files/a/b.txt");
  // A path no route has is tried under the delegate, as libprocess did.
  served.node->http_routes().set_delegate("/web");
  CHECK(get(*web, "/echo").body == "GET  #3");
  // A stream comes in chunks and ends; the connection serves on.
  auto ticks = get(*web, "/web/ticks");
  CHECK(ticks.chunked);
  for (int i = 1; i <= 3; ++i) {
    auto chunk = web->next_chunk();
    REQUIRE(chunk);
    CHECK(*chunk == "tick " + std::to_string(i));
  }
  auto end = web->next_chunk();
  REQUIRE(end);
  CHECK(end->empty());
  CHECK(get(*web, "/web/echo").body == "GET  #4");
  runtime::dispatch<web_process>(served.node->find("web"),
                                 [](web_process& p) { p.stop(); });
  // Once the process has gone, so have its routes.
  REQUIRE(log->wait_for([&] { return log->stopped(); }, generous));
  CHECK_FALSE(served.node->http_routes().has_route("/web/echo"));
  CHECK(get(*web, "/web/echo").status == 404);
}

TEST_CASE("a client that goes mid-stream ends the stream for its handler") {
  local_node served;
  auto log = std::make_shared<web_log>();
  REQUIRE(served.node->spawn<web_process>("web", log));
  REQUIRE(log->wait_for([&] { return log->started(); }, generous));
  {
    auto web = connect_to(served.node->port());
    auto head = get(*web, "/web/forever");
    CHECK(head.chunked);
    auto first = web->next_chunk();
    REQUIRE(first);
    CHECK(*first == "first");
  }
  CHECK(log->wait_for([&] { return log->gone() == 1; }, generous));
  auto web = connect_to(served.node->port());
  CHECK(get(*web, "/health").status == 200);
}

TEST_CASE("half a request is closed at the handshake deadline; the node serves on") {
  local_node served([](runtime::node_config& cfg) { cfg.handshake_timeout = 300ms; });
  auto slow = connect_to(served.node->port());
  REQUIRE(slow->send_raw("GET /health HTTP/1.1\r\nHost: 127.0."));
  CHECK(slow->closed_within(generous));
  // An answered connection left idle is closed the same way.
  auto idle = connect_to(served.node->port());
  CHECK(get(*idle, "/health").status == 200);
  CHECK(idle->closed_within(generous));
  auto prompt = connect_to(served.node->port());
  CHECK(get(*prompt, "/health").status == 200);
}

TEST_CASE("an answer bigger than the write backlog reaches a client that reads it") {
  // What may wait unread is bounded before an answer, not the answer.
  local_node served;
  auto log = std::make_shared<web_log>();
  REQUIRE(served.node->spawn<web_process>("web", log));
  REQUIRE(log->wait_for([&] { return log->started(); }, generous));
  auto client = connect_to(served.node->port());
  auto big = get(*client, "/web/big");
  CHECK(big.status == 200);
  CHECK(big.body.size() == big_answer_size);
  CHECK(get(*client, "/health").status == 200);
}

TEST_CASE("a body over --max_message_size is answered 413; the node serves on") {
  local_node served([](runtime::node_config& cfg) { cfg.max_message_size = 4096; });
  auto log = std::make_shared<web_log>();
  REQUIRE(served.node->spawn<web_process>("web", log));
  REQUIRE(log->wait_for([&] { return log->started(); }, generous));
  auto big = connect_to(served.node->port());
  auto refused = big->request("POST", "/web/echo", std::string(5000, 'x'));
  REQUIRE(refused);
  CHECK(refused->status == 413);
  CHECK(refused->body.find("--max_message_size") != std::string::npos);
  CHECK(big->closed_within(generous));
  auto fits = connect_to(served.node->port());
  CHECK(get(*fits, "/web/echo", "POST", std::string(4000, 'y')).status == 200);
}

TEST_CASE("silent web clients beyond the bound make room for one that asks") {
  local_node served([](runtime::node_config& cfg) {
    cfg.max_unidentified_connections = 8;
    cfg.handshake_timeout = 60s;
  });
  std::vector<std::unique_ptr<http_client>> silent;
  for (int i = 0; i < 40; ++i) {
    silent.push_back(connect_to(served.node->port()));
    REQUIRE(silent.back()->send_raw("GET /health HTTP/1.1\r\n"));
  }
  auto prompt = connect_to(served.node->port());
  CHECK(get(*prompt, "/health").status == 200);
  // The ones waiting longest were closed to make room.
  CHECK(silent.front()->closed_within(generous));
}

TEST_CASE("a TLS node serves HTTPS on its port, and no plain HTTP") {
  auto certificates = test::issue_certificates("https", {"node", "client"});
  local_node served(
      [&](runtime::node_config& cfg) { test::use_tls(cfg, certificates[0]); });
  auto secure = connect_to(served.node->port(), &certificates[1]);
  CHECK(get(*secure, "/health").status == 200);
  CHECK(get(*secure, "/version").body.find("\"version\"") != std::string::npos);
  auto plain = connect_to(served.node->port());
  REQUIRE(plain->send_raw("GET /health HTTP/1.1\r\n\r\n"));
  auto reply = plain->read_reply(generous);
  CHECK_FALSE(reply);
}
