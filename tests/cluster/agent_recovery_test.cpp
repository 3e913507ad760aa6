// An agent killed and started again on its work directory: it takes back
// its ID, the executors of frameworks that checkpoint, and the status
// updates not yet acknowledged; executors that died meanwhile, or do not
// come back in time, have their tasks reported lost.

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "runtime/testing/temporary_directory.hpp"
#include "tests/cluster/cluster_fixture.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using test::make_task;

namespace {

// A checkpointing framework with task `t1` running ("sleep 1000") on an
// agent that keeps its checkpoint in a temporary directory.
struct checkpointed_task {
  explicit checkpointed_task(bool checkpoint = true) : c(11) {
    c.add_agent("cpus:4;mem:4096", [](agent::agent_options& options) {
      options.work_dir = *runtime::testing::make_temporary_directory("agent-recovery");
    });
    auto info = test::make_framework("alpha");
    info.set_checkpoint(checkpoint);
    info.set_failover_timeout(3600);
    c.add_framework("alpha", &log, info);
    REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
    c.on_framework("alpha", [](test::test_scheduler& s) {
      auto o = s.take_offer();
      s.launch_tasks(o.id(), {make_task("t1", o, "cpus:1;mem:64", "sleep 1000")});
    });
    REQUIRE(reaches(v1::TASK_RUNNING));
    c.inspect_agent(0, [&](agent::agent_process& a) {
      agent_id = a.agent_id();
      container = a.frameworks().begin()->second.executors.begin()->second.container_id;
    });
  }

  bool reaches(v1::TaskState state) {
    return c.h.run_until([&] {
      auto states = log.states_of("t1");
      return !states.empty() && states.back() == state;
    });
  }

  agent::executor_state executor_state() {
    auto state = agent::executor_state::launching;
    c.inspect_agent(0, [&](agent::agent_process& a) {
      REQUIRE(a.frameworks().size() == 1);
      state = a.frameworks().begin()->second.executors.begin()->second.state;
    });
    return state;
  }

  test::test_scheduler::journal log;
  test::test_cluster c;
  std::string agent_id;
  std::string container;
};

v1::TaskID task_id(const std::string& id) {
  v1::TaskID result;
  result.set_value(id);
  return result;
}

}  // namespace

TEST_CASE_FIXTURE(checkpointed_task,
                  "a restarted agent takes back its ID and its executor; the task runs "
                  "on and can still be killed") {
  c.restart_agent(0);
  c.inspect_agent(0, [&](agent::agent_process& a) { CHECK(a.agent_id() == agent_id); });
  CHECK(executor_state() == agent::executor_state::recovering);
  REQUIRE(c.h.run_until([&] {
    bool back = false;
    c.inspect_master([&](master::master_process& m) {
      auto& agent = m.agents().at(agent_id);
      back = agent.state == master::agent_state::registered;
    });
    return back && executor_state() == agent::executor_state::running;
  }));
  c.h.advance(30s);
  CHECK(log.last_update_of("t1").state() == v1::TASK_RUNNING);
  c.inspect_master([&](master::master_process& m) {
    CHECK(m.agents().size() == 1);
    CHECK(m.frameworks().begin()->second.tasks.count("t1") == 1);
  });
  c.on_framework("alpha", [](test::test_scheduler& s) { s.kill(task_id("t1")); });
  REQUIRE(reaches(v1::TASK_KILLED));
  CHECK(log.last_update_of("t1").source() == v1::TaskStatus::SOURCE_EXECUTOR);
}

TEST_CASE_FIXTURE(checkpointed_task,
                  "an update the framework had not acknowledged when the agent died "
                  "reaches it after the restart") {
  // The end of the task reaches the agent (which checkpoints it and tells
  // the executor it is safe), but not the framework.
  auto dropped = c.h.drop_all<internal::StatusUpdate>(c.agents[0], c.master_address);
  c.on_framework("alpha", [](test::test_scheduler& s) { s.kill(task_id("t1")); });
  REQUIRE(c.h.run_until([&] { return dropped.count() >= 1; }));
  c.h.settle();
  dropped.cancel();
  c.restart_agent(0);
  REQUIRE(reaches(v1::TASK_KILLED));
  auto states = log.states_of("t1");
  CHECK(std::count(states.begin(), states.end(), v1::TASK_KILLED) == 1);
  // Acknowledged, it is forgotten: nothing is resent after another restart.
  c.h.advance(5s);
  c.restart_agent(0);
  c.h.advance(60s);
  states = log.states_of("t1");
  CHECK(std::count(states.begin(), states.end(), v1::TASK_KILLED) == 1);
}

TEST_CASE_FIXTURE(checkpointed_task,
                  "an executor that died while its agent was down has its task LOST") {
  caf::anon_send_exit(c.agent_nodes[0]->find("agent"), caf::exit_reason::kill);
  c.h.settle();
  caf::anon_send_exit(c.agent_nodes[0]->find("executor-" + container),
                      caf::exit_reason::kill);
  c.h.settle();
  c.h.spawn<agent::agent_process>(
      *c.agent_nodes[0], "agent", c.agent_options[0],
      test::test_cluster::kept_checkpoint(c.agent_options[0]));
  REQUIRE(reaches(v1::TASK_LOST));
  auto status = log.last_update_of("t1");
  CHECK(status.reason() == v1::TaskStatus::REASON_EXECUTOR_TERMINATED);
  CHECK(status.source() == v1::TaskStatus::SOURCE_AGENT);
  c.inspect_agent(0, [](agent::agent_process& a) { CHECK(a.frameworks().empty()); });
}

TEST_CASE_FIXTURE(checkpointed_task,
                  "an executor that does not come back within "
                  "executor_reregistration_timeout is killed and its task LOST") {
  // The executor's calls never reach the restarted agent.
  auto executor = *c.agent_nodes[0]->address_of("executor-" + container);
  auto silenced = c.h.drop_all<v1::executor::Call>(executor, c.agents[0]);
  c.restart_agent(0);
  c.h.advance(4s);
  CHECK(log.last_update_of("t1").state() == v1::TASK_RUNNING);
  REQUIRE(reaches(v1::TASK_LOST));
  CHECK(c.h.elapsed() >= 5s);
  auto status = log.last_update_of("t1");
  CHECK(status.reason() == v1::TaskStatus::REASON_EXECUTOR_REREGISTRATION_TIMEOUT);
  CHECK(!c.agent_nodes[0]->find("executor-" + container));
}

TEST_CASE("an agent restarted keeps nothing of a framework that does not checkpoint") {
  checkpointed_task f(false);
  f.c.restart_agent(0);
  // Its executor ends with the agent that ran it, and so does the task.
  REQUIRE(f.reaches(v1::TASK_LOST));
  f.c.h.advance(30s);
  f.c.inspect_agent(0, [&](agent::agent_process& a) {
    CHECK(a.agent_id() == f.agent_id);
    CHECK(a.frameworks().empty());
  });
}
