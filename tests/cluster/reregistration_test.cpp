// What a checkpointing agent's restart must not do, over several seeds: let
// the framework hear a task's updates out of the order its executor made
// them, report a task lost that finished, or count a resource twice (or
// forget one) when the agent reregisters.

#include <doctest/doctest.h>

#include <algorithm>

#include "actors/common/resources.hpp"
#include "actors/common/task_states.hpp"
#include "actors/scheduler/scheduler_process.hpp"
#include "runtime/testing/temporary_directory.hpp"
#include "tests/cluster/cluster_fixture.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using test::make_task;

namespace {

constexpr uint64_t seeds = 12;

// One checkpointing agent (cpus 4) and a checkpointing framework "alpha"
// holding its first offer.
struct checkpointing_cluster {
  explicit checkpointing_cluster(uint64_t seed) : c(seed) {
    c.add_agent("cpus:4;mem:4096", [](agent::agent_options& options) {
      options.work_dir = *runtime::testing::make_temporary_directory("reregistration");
      options.executor_idle_timeout = 5s;
    });
    auto info = test::make_framework("alpha");
    info.set_checkpoint(true);
    info.set_failover_timeout(3600);
    c.add_framework("alpha", &log, info);
    REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
  }

  // Launches `task` on all outstanding offers; what is left comes back.
  void launch(const std::string& id, const std::string& command) {
    c.on_framework("alpha", [=](test::test_scheduler& s) {
      auto o = s.take_offer();
      s.launch_tasks(o.id(), {make_task(id, o, "cpus:1;mem:64", command)});
    });
  }

  // Launches `id` as a group of one on the default executor "runner"
  // (cpus 0.5).
  void launch_group(const std::string& id, const std::string& command) {
    c.on_framework("alpha", [=](test::test_scheduler& s) {
      auto o = s.take_offer();
      v1::ExecutorInfo executor;
      executor.set_type(v1::ExecutorInfo::DEFAULT);
      executor.mutable_executor_id()->set_value("runner");
      common::resources::parse("cpus:0.5;mem:64")
          ->copy_to(executor.mutable_resources());
      v1::Filters no_filter;
      no_filter.set_refuse_seconds(0);
      s.accept({o.id()},
               {scheduler::make_launch_group(
                   executor, {make_task(id, o, "cpus:1;mem:64", command)})},
               no_filter);
    });
  }

  bool heard(const std::string& task, v1::TaskState state) {
    return c.h.run_until([&] {
      auto states = log.states_of(task);
      return std::find(states.begin(), states.end(), state) != states.end();
    });
  }

  // The cpus of the offers the framework holds now: all of them, once the
  // cluster has settled, are what the master thinks is free on the agent.
  double offered_cpus() {
    c.h.advance(5s);
    double total = 0;
    for (auto& offer : log.outstanding())
      total += common::resources(offer.resources()).scalar("cpus");
    return total;
  }

  // The states the framework heard for `task`, repeats folded.
  std::string heard_states(const std::string& task) {
    auto states = log.states_of(task);
    states.erase(std::unique(states.begin(), states.end()), states.end());
    std::string names;
    for (auto state : states)
      names += (names.empty() ? "" : " ") + common::name_of(state);
    return names;
  }

  test::test_scheduler::journal log;
  test::test_cluster c;
};

// Runs `scenario` on a fresh cluster for each seed.
template <class F>
void on_each_seed(F scenario) {
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    CAPTURE(seed);
    checkpointing_cluster cluster(seed);
    scenario(cluster, cluster.c);
  }
}

}  // namespace

TEST_CASE(
    "updates the executor resends after its agent restarted keep their order, "
    "and a finished task is not reported lost") {
  on_each_seed([](checkpointing_cluster& cluster, test::test_cluster& c) {
    // The executor subscribes, then its calls are lost: its updates live in
    // the executor alone while the task runs and finishes.
    auto subscribed = c.h.expect_next<v1::executor::Event>(c.agents[0], std::nullopt);
    cluster.launch("t1", "sleep 5");
    REQUIRE(c.h.run_until(subscribed));
    auto lost = c.h.drop_all<v1::executor::Call>(std::nullopt, c.agents[0]);
    c.h.advance(10s);
    lost.cancel();
    c.restart_agent(0);
    REQUIRE(cluster.heard("t1", v1::TASK_FINISHED));
    c.h.advance(60s);
    CHECK(cluster.heard_states("t1") == "TASK_STARTING TASK_RUNNING TASK_FINISHED");
    CHECK(cluster.offered_cpus() == doctest::Approx(4));
  });
}

TEST_CASE(
    "a task that ended while its framework's acknowledgements were lost is "
    "counted once when its agent reregisters") {
  on_each_seed([](checkpointing_cluster& cluster, test::test_cluster& c) {
    auto unacknowledged = c.h.drop_all<internal::StatusUpdateAcknowledgement>(
        c.master_address, c.agents[0]);
    cluster.launch("t1", "sleep 5");
    REQUIRE(cluster.heard("t1", v1::TASK_STARTING));
    // The task runs and finishes; its updates wait behind the
    // unacknowledged STARTING.
    c.h.advance(10s);
    c.restart_agent(0);
    unacknowledged.cancel();
    REQUIRE(cluster.heard("t1", v1::TASK_FINISHED));
    c.h.advance(60s);
    CHECK(cluster.offered_cpus() == doctest::Approx(4));
    c.inspect_master([](master::master_process& m) {
      CHECK(m.frameworks().begin()->second.tasks.empty());
    });
  });
}

TEST_CASE(
    "a default executor's resources stay counted when its agent reregisters, "
    "and come back once when it exits") {
  on_each_seed([](checkpointing_cluster& cluster, test::test_cluster& c) {
    cluster.launch_group("t1", "sleep 1000");
    REQUIRE(cluster.heard("t1", v1::TASK_RUNNING));
    CHECK(cluster.offered_cpus() == doctest::Approx(2.5));
    c.restart_agent(0);
    c.h.advance(30s);
    CHECK(cluster.offered_cpus() == doctest::Approx(2.5));
    v1::TaskID t1;
    t1.set_value("t1");
    c.on_framework("alpha", [&](test::test_scheduler& s) { s.kill(t1); });
    REQUIRE(cluster.heard("t1", v1::TASK_KILLED));
    // Idle, the executor ends after its idle timeout (5 s).
    c.h.advance(30s);
    CHECK(cluster.offered_cpus() == doctest::Approx(4));
  });
}
