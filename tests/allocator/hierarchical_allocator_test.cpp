// The allocator alone: which framework and role get each agent, in order,
// as agents, frameworks, roles, weights, quota and filters change; and
// properties over random clusters.

#include "actors/allocator/hierarchical_allocator.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

using namespace mensa;
using allocator::allocation;
using allocator::hierarchical_allocator;
using allocator::resource_quantities;
using allocator::role_quota;
using namespace std::chrono_literals;

namespace {

common::resources res(const std::string& text) {
  auto parsed = common::resources::parse(text);
  REQUIRE(parsed);
  return *parsed;
}

// Who got which agent, in the order decided: "framework@agent/role".
std::vector<std::string> decisions(const std::vector<allocation>& xs) {
  std::vector<std::string> out;
  for (auto& x : xs)
    out.push_back(x.framework_id + "@" + x.agent_id + "/" + x.role);
  return out;
}

hierarchical_allocator::time_point t0{};

// Gives every allocation back, without filters.
void decline_all(hierarchical_allocator& a, const std::vector<allocation>& xs,
                 hierarchical_allocator::time_point now = t0) {
  for (auto& x : xs)
    a.recover(x.framework_id, x.agent_id, x.resources, std::nullopt, now);
}

}  // namespace

TEST_CASE(
    "a framework that joins a role late gets what the role's first holds less of") {
  hierarchical_allocator a;
  a.add_agent("s1", res("cpus:10;mem:1000"));
  a.add_framework("f1", {"web"}, true, {});
  a.add_used("f1", "s1", res("cpus:6;mem:100").allocated_to("web"));
  a.add_framework("f2", {"web"}, true, {});
  // The rest of s1 goes to f2, whose share within the role is 0.
  CHECK(decisions(a.allocate(t0, 1)) == std::vector<std::string>{"f2@s1/web"});
}

TEST_CASE("roles by weighted dominant share; a subtree counts as a whole") {
  hierarchical_allocator a;
  for (auto agent : {"s1", "s2", "s3", "s4"})
    a.add_agent(agent, res("cpus:4;mem:4096"));
  a.add_framework("fx", {"eng/x"}, true, {});
  a.add_framework("fy", {"eng/y"}, true, {});
  a.add_framework("fo", {"ops"}, true, {});
  auto first = a.allocate(t0, 7);
  // Four agents, two top-level roles: eng's subtree gets two (one per
  // subrole), ops gets two.
  std::map<std::string, int> per_framework;
  for (auto& x : first)
    ++per_framework[x.framework_id];
  CHECK(per_framework["fo"] == 2);
  CHECK(per_framework["fx"] == 1);
  CHECK(per_framework["fy"] == 1);
  CHECK(a.role_share("eng") == doctest::Approx(0.5));
  decline_all(a, first);
  // Weight 3 for ops: it gets three agents of four.
  a.set_weight("ops", 3);
  per_framework.clear();
  for (auto& x : a.allocate(t0, 8))
    ++per_framework[x.framework_id];
  CHECK(per_framework["fo"] == 3);
  CHECK(per_framework["fx"] + per_framework["fy"] == 1);
}

TEST_CASE(
    "static reservations go to their role and subroles only, and count for them") {
  hierarchical_allocator a;
  a.add_agent("s1", res("cpus(analytics):2;mem(analytics):512;cpus:2;mem:512"));
  a.add_framework("other", {"web"}, true, {});
  auto offered = a.allocate(t0, 1);
  REQUIRE(offered.size() == 1);
  CHECK(offered[0].framework_id == "other");
  CHECK(offered[0].resources.reserved_for("analytics").empty());
  CHECK(offered[0].resources.scalar("cpus") == 2);
  // The reservation is consumed by analytics from the start.
  CHECK(a.consumed("analytics").get("cpus") == 2);
  a.add_framework("sub", {"analytics/etl"}, true, {});
  auto more = a.allocate(t0, 2);
  REQUIRE(more.size() == 1);
  CHECK(more[0].framework_id == "sub");
  CHECK(more[0].resources.unallocated() == res("cpus(analytics):2;mem(analytics):512"));
}

TEST_CASE(
    "quota: a guarantee comes first, a limit is never passed, headroom stays free") {
  hierarchical_allocator a;
  for (auto agent : {"s1", "s2", "s3", "s4"})
    a.add_agent(agent, res("cpus:4;mem:4096"));
  a.add_framework("busy", {"busy"}, true, {});
  a.add_framework("small", {"small"}, true, {});
  role_quota guaranteed;
  guaranteed.guarantees.set("cpus", 6);
  role_quota limited;
  limited.limits["cpus"] = 5;
  a.set_quotas({{"small", guaranteed}, {"busy", limited}});
  auto offered = a.allocate(t0, 3);
  double small_cpus = 0;
  double busy_cpus = 0;
  for (auto& x : offered)
    (x.framework_id == "small" ? small_cpus : busy_cpus) += x.resources.scalar("cpus");
  CHECK(small_cpus >= 6);
  CHECK(busy_cpus <= 5);
  CHECK(a.consumed("busy").get("cpus") <= 5);
  decline_all(a, offered);
  // Without a framework in `small`, its unmet guarantee keeps 6 cpus free.
  a.remove_framework("small");
  a.set_quotas({{"busy", {}}});
  offered = a.allocate(t0, 4);
  busy_cpus = 0;
  for (auto& x : offered)
    busy_cpus += x.resources.scalar("cpus");
  CHECK(busy_cpus == 10);
}

TEST_CASE("decline filters, suppress and revive per role") {
  hierarchical_allocator a;
  a.add_agent("s1", res("cpus:4;mem:4096"));
  a.add_framework("f", {"r1", "r2"}, true, {});
  auto offered = a.allocate(t0, 1);
  REQUIRE(offered.size() == 1);
  auto role = offered[0].role;
  auto other = role == "r1" ? "r2" : "r1";
  a.recover("f", "s1", offered[0].resources.allocated_to(role), 10s, t0);
  // Refused in one role, offered in the other.
  offered = a.allocate(t0 + 1s, 2);
  REQUIRE(offered.size() == 1);
  CHECK(offered[0].role == other);
  a.recover("f", "s1", offered[0].resources.allocated_to(other), 10s, t0 + 1s);
  CHECK(a.allocate(t0 + 2s, 3).empty());
  // Revive one role: its filter is gone.
  a.revive("f", {role});
  offered = a.allocate(t0 + 3s, 4);
  REQUIRE(offered.size() == 1);
  CHECK(offered[0].role == role);
  decline_all(a, offered, t0 + 3s);
  a.suppress("f", {role});
  CHECK(a.allocate(t0 + 4s, 5).empty());  // `other` is still filtered
  // The filter expires: offered again, in the role not suppressed.
  offered = a.allocate(t0 + 12s, 6);
  REQUIRE(offered.size() == 1);
  CHECK(offered[0].role == other);
}

TEST_CASE(
    "a filter covers only what was refused: with more back, the agent is offered") {
  for (auto* agent : {"cpus:4;mem:4096", "cpus:4;mem:4096;ports:[1-10]"}) {
    CAPTURE(agent);
    hierarchical_allocator a;
    a.add_agent("s1", res(agent));
    a.add_framework("f", {"*"}, true, {});
    auto offered = a.allocate(t0, 1);
    REQUIRE(offered.size() == 1);
    // One task takes a part; the rest is refused for 10 s.
    auto used = res("cpus:1;mem:1024").allocated_to("*");
    a.recover("f", "s1", offered[0].resources - used, 10s, t0);
    CHECK(a.allocate(t0 + 1s, 2).empty());
    // The task ends: more than was refused is there, and is offered.
    a.recover("f", "s1", used, std::nullopt, t0 + 2s);
    offered = a.allocate(t0 + 2s, 3);
    REQUIRE(offered.size() == 1);
    CHECK(offered[0].resources.unallocated() == res(agent));
  }
}

TEST_CASE(
    "a filter lasts at least an allocation interval; tiny leftovers are not offered") {
  hierarchical_allocator a;  // interval 1 s
  a.add_agent("s1", res("cpus:1;mem:64"));
  a.add_framework("f", {"*"}, true, {});
  auto offered = a.allocate(t0, 1);
  REQUIRE(offered.size() == 1);
  a.recover("f", "s1", offered[0].resources.allocated_to("*"), 1ms, t0);
  CHECK(a.allocate(t0 + 500ms, 2).empty());
  CHECK(a.allocate(t0 + 1s, 3).size() == 1);
  hierarchical_allocator b;
  b.add_agent("s1", res("cpus:0.005;mem:16;ports:[1-2]"));
  b.add_framework("f", {"*"}, true, {});
  CHECK(b.allocate(t0, 1).empty());
}

TEST_CASE("property: fair order, limits never passed (random clusters)") {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 random(seed);
    auto pick = [&](int lo, int hi) {
      return lo + static_cast<int>(random() % static_cast<uint64_t>(hi - lo + 1));
    };
    hierarchical_allocator a;
    int roles = pick(2, 6);
    std::map<std::string, double> weights;
    std::map<std::string, double> limits;
    for (int r = 0; r < roles; ++r) {
      auto role = "r" + std::to_string(r);
      weights[role] = pick(1, 4);
      a.set_weight(role, weights[role]);
      a.add_framework("f" + std::to_string(r), {role}, true, {});
    }
    int agents = pick(5, 30);
    double total_cpus = 0;
    double total_mem = 0;
    for (int s = 0; s < agents; ++s) {
      int cpus = pick(1, 8);
      int mem = pick(1, 16) * 256;
      total_cpus += cpus;
      total_mem += mem;
      a.add_agent("s" + std::to_string(s),
                  res("cpus:" + std::to_string(cpus) + ";mem:" + std::to_string(mem)));
    }
    // Fair order: replaying the pass, each agent went to a role whose
    // weighted dominant share was the smallest at that moment.
    std::map<std::string, std::pair<double, double>> held;
    auto share = [&](const std::string& role) {
      auto& [cpus, mem] = held[role];
      return std::max(cpus / total_cpus, mem / total_mem) / weights[role];
    };
    auto offered = a.allocate(t0, seed);
    CHECK(offered.size() == static_cast<std::size_t>(agents));
    for (auto& x : offered) {
      for (auto& [role, _] : weights)
        CHECK(share(x.role) <= share(role) + 1e-9);
      held[x.role].first += x.resources.scalar("cpus");
      held[x.role].second += x.resources.scalar("mem");
    }
    decline_all(a, offered);
    // Limits: over passes with random declines, no role passes its limit.
    std::map<std::string, role_quota> quotas;
    for (auto& [role, _] : weights) {
      limits[role] = pick(1, 20);
      quotas[role].limits["cpus"] = limits[role];
    }
    a.set_quotas(quotas);
    for (int pass = 0; pass < 5; ++pass) {
      auto xs = a.allocate(t0, seed * 100 + static_cast<uint64_t>(pass));
      for (auto& [role, limit] : limits)
        CHECK(a.consumed(role).get("cpus") <= limit + 1e-9);
      std::vector<allocation> back;
      for (auto& x : xs)
        if (random() % 2 == 0)
          back.push_back(x);
      decline_all(a, back);
    }
  }
}
