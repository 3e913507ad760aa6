// JSON as Mesos renders it: what Mesos clients parse, unlike protobuf's own
// printer (which quotes 64-bit integers).

#include <doctest/doctest.h>

#include <string>

#include "mensa/v1/master.pb.h"
#include "mensa/v1/quota.pb.h"
#include "runtime/http/json.hpp"

namespace {

using mensa::runtime::http::parse_json;
using mensa::runtime::http::to_json;

TEST_CASE("a map is an object keyed by its keys, and reads back") {
  mensa::v1::quota::QuotaConfig config;
  config.set_role("dev");
  (*config.mutable_guarantees())["cpus"].set_value(1.5);
  CHECK(to_json(config) == R"({"role":"dev","guarantees":{"cpus":{"value":1.5}}})");
  mensa::v1::quota::QuotaConfig back;
  REQUIRE(parse_json(to_json(config), back));
  CHECK(back.guarantees().at("cpus").value() == 1.5);
}

TEST_CASE("enums print by name, 64-bit integers unquoted, required fields whole") {
  mensa::v1::master::Response response;
  response.set_type(mensa::v1::master::Response::GET_MASTER);
  auto& info = *response.mutable_get_master()->mutable_master_info();
  info.set_id("m");
  info.set_ip(16777343);
  info.set_port(5050);
  CHECK(to_json(response) ==
        R"({"type":"GET_MASTER","get_master":{"master_info":{"id":"m","ip":16777343,)"
        R"("port":5050}}})");
}

TEST_CASE("a call that lacks a required field is refused, saying which") {
  mensa::v1::master::Call call;
  auto parsed = parse_json(R"({"type":"TEARDOWN","teardown":{}})", call);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().message.find("framework_id") != std::string::npos);
}

}  // namespace
