#include "runtime/address.hpp"

#include <doctest/doctest.h>

#include <unordered_set>

using mensa::runtime::address;

TEST_CASE("an address parses into name, host and port") {
  auto a = address::parse("master@10.0.0.1:5050");
  REQUIRE(a);
  CHECK(a->name() == "master");
  CHECK(a->host() == "10.0.0.1");
  CHECK(a->port() == 5050);
  CHECK(a->endpoint() == "10.0.0.1:5050");
  CHECK(a->str() == "master@10.0.0.1:5050");
}

TEST_CASE("an address accepts DNS names and bracketed IPv6 hosts") {
  auto dns = address::parse("agent-1@node7.example.org:5051");
  REQUIRE(dns);
  CHECK(dns->host() == "node7.example.org");
  auto v6 = address::parse("master@[::1]:5050");
  REQUIRE(v6);
  CHECK(v6->host() == "::1");
  CHECK(v6->endpoint() == "[::1]:5050");
  auto made = address::make("master", "::1", 5050);
  REQUIRE(made);
  CHECK(*made == *v6);
}

TEST_CASE("malformed addresses are rejected with a reason") {
  struct bad_case {
    const char* text;
    const char* reason;
  };
  const bad_case cases[] = {
      {"master", "no '@'"},
      {"@10.0.0.1:5050", "the name is empty"},
      {"ma ster@10.0.0.1:5050", "the name may only contain"},
      {"master@10.0.0.1", "no ':' before the port"},
      {"master@:5050", "the host is empty"},
      {"master@10.0.0.300:5050", "not a valid IPv4 address"},
      {"master@-bad-.org:5050", "not a valid host name"},
      {"master@[::zz]:5050", "not a valid IPv6 address"},
      {"master@10.0.0.1:0", "the port must be"},
      {"master@10.0.0.1:65536", "the port must be"},
      {"master@10.0.0.1:50x", "the port must be"},
      {"master@10.0.0.1:", "the port must be"},
  };
  for (auto& c : cases) {
    CAPTURE(c.text);
    auto parsed = address::parse(c.text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.find(c.reason) != std::string::npos);
    CHECK(parsed.error().message.find(c.text) != std::string::npos);
  }
}

TEST_CASE("addresses compare and hash by their text") {
  auto a = *address::parse("x@127.0.0.1:1");
  auto b = *address::parse("x@127.0.0.1:1");
  auto c = *address::parse("y@127.0.0.1:1");
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a < c);
  std::unordered_set<address> set{a, b, c};
  CHECK(set.size() == 2);
  CHECK(address{}.empty());
}
