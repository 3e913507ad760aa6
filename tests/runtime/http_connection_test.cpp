// HTTP/1.1 served on one connection, apart from any socket: requests in,
// bytes out, through a socket that records what the connection does.

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/http/request.hpp"
#include "runtime/http/server_connection.hpp"

using namespace mensa::runtime::http;

namespace {

struct recording_socket : server_connection::socket {
  std::string written;
  bool close_requested = false;
  std::vector<bool> awaiting;

  void write(std::string_view bytes) override { written += bytes; }
  void close_when_written() override { close_requested = true; }
  void awaiting_request(bool waiting) override { awaiting.push_back(waiting); }
};

// A connection whose handler keeps what it gets; a responder reaches the
// connection at once (this test is its only thread).
struct served {
  recording_socket io;
  std::vector<request> requests;
  std::vector<responder> responders;
  std::shared_ptr<server_connection*> link = std::make_shared<server_connection*>();
  std::unique_ptr<server_connection> connection;

  explicit served(request_limits limits = {}) {
    connection = std::make_unique<server_connection>(
        io, limits, "127.0.0.1:4000",
        [link = link](std::function<void(server_connection*)> fn) { fn(*link); },
        [this](request&& r, const responder& out) {
          requests.push_back(std::move(r));
          responders.push_back(out);
        });
    *link = connection.get();
  }

  void feed(std::string_view bytes) { connection->feed(bytes.data(), bytes.size()); }

  void drop() {
    connection = nullptr;
    *link = nullptr;
  }
};

}  // namespace

TEST_CASE("a request is read whole and answered with its length") {
  served s;
  s.feed("GET /master/tasks?limit=10&order=de%73c HTTP/1.1\r\nHost: x\r\nAccept: ");
  CHECK(s.requests.empty());
  s.feed("application/json\r\n\r\n");
  REQUIRE(s.requests.size() == 1);
  auto& r = s.requests[0];
  CHECK(r.method == "GET");
  CHECK(r.path == "/master/tasks");
  CHECK(r.query_value("limit") == "10");
  CHECK(r.query_value("order") == "desc");
  CHECK(r.header("accept") == "application/json");
  CHECK(r.peer == "127.0.0.1:4000");
  CHECK(r.keep_alive);
  CHECK(s.responders[0].respond(response::ok("{}")));
  CHECK(s.io.written ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        "2\r\n\r\n{}");
  CHECK_FALSE(s.io.close_requested);
  // Once answered, a second answer is refused.
  CHECK_FALSE(s.responders[0].respond(response::empty(500)));
}

TEST_CASE("pipelined requests are answered in the order they came") {
  served s;
  s.feed("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
  // The second waits for the first's answer.
  REQUIRE(s.requests.size() == 1);
  CHECK(s.requests[0].path == "/a");
  s.responders[0].respond(response::ok("a", "text/plain"));
  REQUIRE(s.requests.size() == 2);
  CHECK(s.requests[1].path == "/b");
  s.responders[1].respond(response::ok("b", "text/plain"));
  auto a = s.io.written.find("\r\n\r\na");
  auto b = s.io.written.find("\r\n\r\nb");
  CHECK(a != std::string::npos);
  CHECK(b != std::string::npos);
  CHECK(a < b);
  CHECK(s.connection->requests() == 2);
}

TEST_CASE("a connection waits for a request between answers, not while answering") {
  served s;
  s.feed("GET /a HTTP/1.1\r\n\r\n");
  REQUIRE(s.io.awaiting == std::vector<bool>{false});
  s.responders[0].respond(response::empty(204));
  CHECK(s.io.awaiting == std::vector<bool>{false, true});
}

TEST_CASE("a client that asks to close gets its answer, then the connection closes") {
  served s;
  s.feed("GET /a HTTP/1.1\r\nConnection: close\r\n\r\n");
  REQUIRE(s.requests.size() == 1);
  CHECK_FALSE(s.requests[0].keep_alive);
  s.responders[0].respond(response::empty(200));
  CHECK(s.io.written.find("Connection: close\r\n") != std::string::npos);
  CHECK(s.io.close_requested);
}

TEST_CASE("an HTTP/1.0 request closes after its answer unless kept alive") {
  served s;
  s.feed("GET /a HTTP/1.0\r\n\r\n");
  REQUIRE(s.requests.size() == 1);
  CHECK(s.requests[0].version == 10);
  CHECK_FALSE(s.requests[0].keep_alive);
  s.responders[0].respond(response::empty(200));
  CHECK(s.io.close_requested);
}

TEST_CASE("a chunked request body arrives de-chunked") {
  served s;
  s.feed(
      "POST /api/v1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  REQUIRE(s.requests.size() == 1);
  CHECK(s.requests[0].body == "hello world");
}

TEST_CASE("a stream is written in chunks and ends with the empty chunk") {
  served s;
  s.feed("POST /api/v1/scheduler HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}");
  REQUIRE(s.requests.size() == 1);
  CHECK(s.requests[0].body == "{}");
  auto out = s.responders[0].open_stream(
      response::ok("", "application/json").with("Mesos-Stream-Id", "abc"));
  REQUIRE(out);
  CHECK(out.write("20\n{\"type\":\"SUBSCRIBED\"}"));
  out.close();
  CHECK(out.closed());
  CHECK_FALSE(out.write("more"));
  CHECK(s.io.written ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMesos-Stream-Id: "
        "abc\r\nTransfer-Encoding: chunked\r\n\r\n"
        "18\r\n20\n{\"type\":\"SUBSCRIBED\"}\r\n0\r\n\r\n");
  // The stream answered the request: the connection takes the next one.
  s.feed("GET /health HTTP/1.1\r\n\r\n");
  CHECK(s.requests.size() == 2);
}

TEST_CASE("a handler learns that the client of its stream has gone") {
  served s;
  s.feed("POST /api/v1/scheduler HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  auto out = s.responders[0].open_stream(response::ok("", "application/json"));
  bool gone = false;
  out.on_client_gone([&] { gone = true; });
  CHECK_FALSE(gone);
  s.drop();
  CHECK(gone);
  CHECK(out.closed());
  CHECK_FALSE(out.write("x"));
  // A callback set after the client went runs at once.
  bool late = false;
  out.on_client_gone([&] { late = true; });
  CHECK(late);
}

TEST_CASE("an answer to a client that has gone is dropped") {
  served s;
  s.feed("GET /slow HTTP/1.1\r\n\r\n");
  auto out = s.responders[0];
  s.drop();
  CHECK(out.client_gone());
  CHECK_FALSE(out.respond(response::empty(200)));
}

TEST_CASE("a body announced over the limit is refused before it comes") {
  request_limits limits;
  limits.max_body = 100;
  served s(limits);
  s.feed("POST /api/v1 HTTP/1.1\r\nContent-Length: 101\r\n\r\n");
  CHECK(s.requests.empty());
  CHECK(s.io.written.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0) == 0);
  CHECK(s.io.written.find("exceeds the limit of 100") != std::string::npos);
  CHECK(s.io.close_requested);
  // Nothing more is read from it.
  s.feed(std::string(101, 'x'));
  CHECK(s.requests.empty());
}

TEST_CASE("a chunked body over the limit is refused as it grows") {
  request_limits limits;
  limits.max_body = 8;
  served s(limits);
  s.feed("POST /api/v1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
  CHECK(s.io.written.empty());
  s.feed("5\r\nworld\r\n0\r\n\r\n");
  CHECK(s.requests.empty());
  CHECK(s.io.written.rfind("HTTP/1.1 413 ", 0) == 0);
}

TEST_CASE("a request target or header over its limit is refused") {
  request_limits limits;
  limits.max_target = 32;
  limits.max_header_bytes = 64;
  {
    served s(limits);
    s.feed("GET /" + std::string(40, 'a') + " HTTP/1.1\r\n\r\n");
    CHECK(s.io.written.rfind("HTTP/1.1 414 URI Too Long\r\n", 0) == 0);
  }
  {
    served s(limits);
    s.feed("GET / HTTP/1.1\r\nX-Big: " + std::string(80, 'b') + "\r\n\r\n");
    CHECK(s.io.written.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0) ==
          0);
  }
  limits.max_header_bytes = 1 << 20;
  limits.max_header_count = 4;
  {
    served s(limits);
    s.feed("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n");
    CHECK(s.io.written.rfind("HTTP/1.1 431 ", 0) == 0);
    CHECK(s.io.written.find("more than 4 header fields") != std::string::npos);
  }
}

TEST_CASE("bytes that are not HTTP are answered 400 and the connection closed") {
  served s;
  s.feed("GET / HTTP/1.1\r\nHost x\r\n\r\n");
  CHECK(s.requests.empty());
  CHECK(s.io.written.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  CHECK(s.io.written.find("malformed request") != std::string::npos);
  CHECK(s.io.close_requested);
}

TEST_CASE("a client expecting 100-continue is told to send its body") {
  served s;
  s.feed("POST /api/v1 HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  CHECK(s.io.written == "HTTP/1.1 100 Continue\r\n\r\n");
  s.feed("body");
  REQUIRE(s.requests.size() == 1);
  CHECK(s.requests[0].body == "body");
}

TEST_CASE("a HEAD request gets the head of the answer only") {
  served s;
  s.feed("HEAD /version HTTP/1.1\r\n\r\n");
  s.responders[0].respond(response::ok("{\"version\":\"1\"}"));
  CHECK(s.io.written ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        "15\r\n\r\n");
}

TEST_CASE("a client that sends far ahead of its answers is closed") {
  served s;
  s.feed("GET /slow HTTP/1.1\r\n\r\n");
  std::string ahead;
  while (ahead.size() <= server_connection::max_pending)
    ahead += "GET /more HTTP/1.1\r\n\r\n";
  s.feed(ahead);
  CHECK(s.io.close_requested);
  CHECK(s.responders[0].client_gone());
}

TEST_CASE("request targets are percent-decoded into a path and parameters") {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  REQUIRE(split_target("/files/read?path=%2Fvar%2Flog+x&offset=-1&flag", path, query));
  CHECK(path == "/files/read");
  REQUIRE(query.size() == 3);
  CHECK(query[0] == std::pair<std::string, std::string>("path", "/var/log x"));
  CHECK(query[1] == std::pair<std::string, std::string>("offset", "-1"));
  CHECK(query[2] == std::pair<std::string, std::string>("flag", ""));
  CHECK_FALSE(split_target("/a%2", path, query));
  CHECK_FALSE(split_target("/a?x=%zz", path, query));
  CHECK(equal_ignoring_case("Content-Type", "content-TYPE"));
}
