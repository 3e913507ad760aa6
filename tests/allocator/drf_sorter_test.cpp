// The DRF sorter alone: shares, weights, hierarchy, incremental order.

#include "actors/allocator/drf_sorter.hpp"

#include <doctest/doctest.h>

using mensa::allocator::drf_sorter;
using mensa::allocator::resource_quantities;

namespace {

resource_quantities q(double cpus, double mem) {
  resource_quantities r;
  r.set("cpus", cpus);
  r.set("mem", mem);
  return r;
}

}  // namespace

TEST_CASE("the smallest dominant share comes first, ties by name") {
  drf_sorter<> s;
  s.add_total(q(10, 100));
  s.add("b");
  s.add("a");
  CHECK(s.sort() == std::vector<std::string>{"a", "b"});
  s.allocated("a", q(1, 50));  // dominant: mem 0.5
  s.allocated("b", q(4, 10));  // dominant: cpus 0.4
  CHECK(s.sort() == std::vector<std::string>{"b", "a"});
  CHECK(s.share("a") == doctest::Approx(0.5));
  s.unallocated("a", q(1, 30));  // now 0.2
  CHECK(s.sort() == std::vector<std::string>{"a", "b"});
}

TEST_CASE("a client added after the total is measured against it") {
  drf_sorter<> roles(true);
  drf_sorter<> frameworks(false, roles.shared_total());
  roles.add_total(q(10, 100));
  frameworks.add("late");
  frameworks.add("early");
  frameworks.allocated("early", q(6, 0));
  CHECK(frameworks.share("early") == doctest::Approx(0.6));
  CHECK(frameworks.sort() == std::vector<std::string>{"late", "early"});
}

TEST_CASE("weights divide shares") {
  drf_sorter<> s;
  s.add_total(q(10, 100));
  s.add("heavy");
  s.add("light");
  s.set_weight("heavy", 3);
  s.allocated("heavy", q(6, 0));  // 0.6 / 3 = 0.2
  s.allocated("light", q(3, 0));  // 0.3
  CHECK(s.share("heavy") == doctest::Approx(0.2));
  CHECK(s.sort() == std::vector<std::string>{"heavy", "light"});
  s.set_weight("heavy", 1);
  CHECK(s.sort() == std::vector<std::string>{"light", "heavy"});
}

TEST_CASE("a subtree competes with its siblings by the sum of its members") {
  drf_sorter<> s(true);
  s.add_total(q(100, 1000));
  s.add("a/x");
  s.add("a/y");
  s.add("b");
  s.allocated("a/x", q(20, 0));
  s.allocated("a/y", q(20, 0));
  s.allocated("b", q(30, 0));
  // a holds 40 > b's 30, though each of a's members holds less than b.
  CHECK(s.share("a") == doctest::Approx(0.4));
  CHECK(s.sort() == std::vector<std::string>{"b", "a/x", "a/y"});
  // A role with subroles competes with them as one more member.
  s.add("a");
  CHECK(s.sort() == std::vector<std::string>{"b", "a", "a/x", "a/y"});
  s.set_weight("a", 2);  // a's subtree: 0.4 / 2
  CHECK(s.sort().front() == "a");
  s.remove("a/x");
  CHECK(s.allocation("a").get("cpus") == 20);
}

TEST_CASE("inactive clients are skipped and names excluded from fairness ignored") {
  drf_sorter<> s;
  s.exclude_from_fairness({"gpus"});
  resource_quantities total = q(10, 100);
  total.set("gpus", 2);
  s.add_total(total);
  s.add("gpu-user");
  s.add("cpu-user");
  resource_quantities gpus;
  gpus.set("gpus", 2);
  s.allocated("gpu-user", gpus);
  s.allocated("cpu-user", q(1, 0));
  CHECK(s.share("gpu-user") == 0);
  CHECK(s.sort() == std::vector<std::string>{"gpu-user", "cpu-user"});
  s.activate("gpu-user", false);
  CHECK(s.sort() == std::vector<std::string>{"cpu-user"});
  CHECK(s.active_count() == 1);
}

namespace {

// The clients active in `selection`, in the order a visit takes them.
std::vector<std::string> visited(drf_sorter<>& s, std::size_t selection) {
  std::vector<std::string> result;
  s.visit(
      [&](const std::string& client, void*) {
        result.push_back(client);
        return false;
      },
      selection);
  return result;
}

}  // namespace

TEST_CASE("two selections share allocations but visit their own active clients") {
  drf_sorter<> s(true);
  s.add_total(q(10, 100));
  for (auto role : {"a", "b/x", "b/y", "c"})
    s.add(role);
  s.activate("b/y", true, 1);
  s.activate("c", true, 1);
  CHECK(visited(s, 0) == std::vector<std::string>{"a", "b/x", "b/y", "c"});
  CHECK(visited(s, 1) == std::vector<std::string>{"b/y", "c"});
  // One allocation moves the client (and its subtree) in both selections.
  s.allocated("b/y", q(5, 0));
  s.allocated("c", q(2, 0));
  CHECK(visited(s, 0) == std::vector<std::string>{"a", "c", "b/x", "b/y"});
  CHECK(visited(s, 1) == std::vector<std::string>{"c", "b/y"});
  // Inactive in both, a client still changes its subtree's share, and comes
  // back in its place.
  s.activate("c", false, 0);
  s.activate("c", false, 1);
  s.allocated("c", q(6, 0));
  s.set_weight("c", 2);  // 0.8 / 2 = 0.4 against b's 0.5
  CHECK(visited(s, 1) == std::vector<std::string>{"b/y"});
  s.activate("c", true, 1);
  CHECK(visited(s, 1) == std::vector<std::string>{"c", "b/y"});
  CHECK(s.active_count(0) == 3);
  CHECK(s.active_count(1) == 2);
  // A new total reorders every selection at the next visit.
  s.add_total(q(0, 100));
  s.allocated("a", q(0, 190));  // mem 0.95 of 200
  CHECK(visited(s, 0) == std::vector<std::string>{"b/x", "b/y", "a"});
  CHECK(visited(s, 1) == std::vector<std::string>{"c", "b/y"});
  // Removing the last client of a subtree leaves the others in order.
  s.remove("b/y");
  CHECK(visited(s, 1) == std::vector<std::string>{"c"});
  CHECK(visited(s, 0) == std::vector<std::string>{"b/x", "a"});
}
