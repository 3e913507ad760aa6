#include "actors/common/resources.hpp"

#include <doctest/doctest.h>

#include "actors/common/roles.hpp"

using mensa::common::resources;

namespace {

resources parse(const char* text) {
  auto parsed = resources::parse(text);
  REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().message));
  return *parsed;
}

}  // namespace

TEST_CASE("resource strings parse scalars, ranges, sets and reservations") {
  auto r =
      parse("cpus:4;mem:8192;disk:10000;ports:[31000-32000];gpus(ml):1;zones:{a,b}");
  CHECK(r.scalar("cpus") == 4);
  CHECK(r.scalar("mem") == 8192);
  CHECK(r.scalar("gpus") == 1);
  CHECK(r.to_string() ==
        "cpus:4;mem:8192;disk:10000;ports:[31000-32000];gpus(ml):1;zones:{a,b}");
  CHECK(r.reserved_for("ml").scalar("gpus") == 1);
  CHECK(r.unreserved().scalar("gpus") == 0);
}

TEST_CASE("bad resource strings are rejected with the reason") {
  struct bad {
    const char* text;
    const char* why;
  };
  for (auto c : {bad{"cpus", "expected name:value"}, bad{"cpus:abc", "not a number"},
                 bad{"cpus:-1", "cannot be negative"},
                 bad{"ports:[32000-31000]", "ends before it begins"},
                 bad{"ports:[31000]", "begin-end"}, bad{"cpus(.):1", "invalid role"},
                 bad{"cp us:1", "the name must be"}, bad{"mem:", "no value"},
                 bad{"ports:[1-2", "ranges must be written"}}) {
    CAPTURE(c.text);
    auto parsed = resources::parse(c.text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.find(c.why) != std::string::npos);
  }
}

TEST_CASE("resources add, subtract and contain, by kind") {
  auto total = parse("cpus:4;mem:1024;ports:[31000-31009]");
  auto task = parse("cpus:1.5;mem:256;ports:[31002-31003]");
  CHECK(total.contains(task));
  auto left = total - task;
  CHECK(left.to_string() == "cpus:2.5;mem:768;ports:[31000-31001,31004-31009]");
  CHECK_FALSE(task.contains(total));
  CHECK((left + task) == total);
  CHECK((total - total).empty());
  // Scalars keep three decimals, as in Mesos.
  auto tiny = parse("cpus:0.1") + parse("cpus:0.2");
  CHECK(tiny.scalar("cpus") == doctest::Approx(0.3));
  CHECK((tiny - parse("cpus:0.3")).empty());
}

TEST_CASE("reservations and allocation roles keep resources apart") {
  auto r = parse("cpus:2;cpus(eng):1");
  CHECK(r.scalar("cpus") == 3);
  CHECK(r.usable_by("eng").scalar("cpus") == 3);
  CHECK(r.usable_by("eng/web").scalar("cpus") == 3);
  CHECK(r.usable_by("ops").scalar("cpus") == 2);
  auto offered = r.usable_by("eng").allocated_to("eng");
  CHECK(offered.allocated_only_to("eng").scalar("cpus") == 3);
  CHECK_FALSE(r.contains(offered));
  CHECK(r.contains(offered.unallocated()));
}

TEST_CASE("role names follow Mesos's rules") {
  using mensa::common::validate_role;
  for (auto ok : {"*", "eng", "eng/web", "a.b", "team-1"})
    CHECK_MESSAGE(validate_role(ok), ok);
  for (auto bad : {"", ".", "..", "-a", "a//b", "/a", "a/", "a b", "a/*", "a\\b"})
    CHECK_FALSE_MESSAGE(validate_role(bad), bad);
}
