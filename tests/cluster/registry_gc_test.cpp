// The master forgets agents that stay unreachable (Mesos's registry GC,
// --registry_max_agent_age and --registry_max_agent_count).

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/testing/temporary_directory.hpp"
#include "tests/cluster/cluster_fixture.hpp"

using namespace mensa;
using namespace std::chrono_literals;

namespace {

// The agents the master has a record of, and those its registry holds as
// unreachable.
struct remembered {
  std::size_t records = 0;
  std::vector<std::string> unreachable;
};

remembered remembered_by(test::test_cluster& c) {
  remembered result;
  c.inspect_master([&](master::master_process& m) {
    result.records = m.agents().size();
    for (auto& agent : m.kept().unreachable_agents())
      result.unreachable.push_back(agent.id);
  });
  return result;
}

std::vector<std::string> agent_ids(test::test_cluster& c) {
  std::vector<std::string> ids;
  c.inspect_master([&](master::master_process& m) {
    for (auto& [id, agent] : m.agents())
      ids.push_back(id);
  });
  return ids;
}

bool registered(test::test_cluster& c, std::size_t agents) {
  std::size_t n = 0;
  c.inspect_master([&](master::master_process& m) {
    for (auto& [_, agent] : m.agents())
      n += agent.state == master::agent_state::registered ? 1 : 0;
  });
  return n == agents;
}

}  // namespace

TEST_CASE(
    "an agent unreachable past --registry_max_agent_age is forgotten, and shut "
    "down when it comes back") {
  master::master_options options;
  options.registry_gc_interval = 1min;
  options.registry_max_agent_age = 10min;
  auto dir = *runtime::testing::make_temporary_directory("registry-gc");
  {
    test::test_cluster c(1, options, {}, dir);
    auto agent = c.add_agent("cpus:1;mem:128");
    REQUIRE(c.h.run_until([&] { return registered(c, 1); }));
    auto id = agent_ids(c).front();
    c.h.partition(*c.master_node, *c.agent_nodes[0]);
    REQUIRE(
        c.h.run_until([&] { return remembered_by(c).unreachable.size() == 1; }, 10min));
    c.h.advance(9min);
    CHECK(remembered_by(c).records == 1);
    CHECK(remembered_by(c).unreachable == std::vector<std::string>{id});
    c.h.advance(2min);
    CHECK(remembered_by(c).records == 0);
    CHECK(remembered_by(c).unreachable.empty());
    c.inspect_master(
        [&](master::master_process& m) { CHECK(m.kept().agent(id) == nullptr); });
    // Back, it is unknown to the registry: it is told to shut down (its
    // checkpoint is cleared, so that it starts again as a new agent).
    auto shutdown = c.h.expect_next<internal::ShutdownAgent>(c.master_address, agent);
    c.h.heal(*c.master_node, *c.agent_nodes[0]);
    REQUIRE(c.h.run_until([&] { return shutdown.ready(); }, 10min));
    CHECK(shutdown.get().message().find("not in the master's registry") !=
          std::string::npos);
    CHECK(remembered_by(c).records == 0);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("beyond --registry_max_agent_count the longest unreachable are forgotten") {
  master::master_options options;
  options.registry_gc_interval = 1min;
  options.registry_max_agent_count = 1;
  test::test_cluster c(2, options);
  for (int k = 0; k < 3; ++k)
    c.add_agent("cpus:1;mem:128");
  REQUIRE(c.h.run_until([&] { return registered(c, 3); }));
  auto ids = agent_ids(c);
  // Agents 0 and 1 go, one after the other; agent 2 stays.
  c.h.partition(*c.master_node, *c.agent_nodes[0]);
  REQUIRE(
      c.h.run_until([&] { return remembered_by(c).unreachable.size() == 1; }, 10min));
  auto first = remembered_by(c).unreachable.front();
  c.h.partition(*c.master_node, *c.agent_nodes[1]);
  REQUIRE(
      c.h.run_until([&] { return remembered_by(c).unreachable.size() == 2; }, 10min));
  auto second = remembered_by(c).unreachable.back();
  CHECK(first != second);
  // The next look forgets the one unreachable longer.
  c.h.advance(1min);
  CHECK(remembered_by(c).unreachable == std::vector<std::string>{second});
  CHECK(remembered_by(c).records == 2);
  CHECK(registered(c, 1));
}
