// What frameworks hear when agents or their own schedulers fail (executors:
// executor_failure_test.cpp; kills that cross a task's end: kill_race_test.cpp).

#include <doctest/doctest.h>

#include <set>

#include "runtime/testing/temporary_directory.hpp"
#include "tests/cluster/cluster_fixture.hpp"
#include "tests/cluster/running_task.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using test::make_task;
using test::running_task;

namespace {

v1::FrameworkInfo partition_aware() {
  auto info = test::make_framework("alpha");
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::PARTITION_AWARE);
  return info;
}

}  // namespace

TEST_CASE_FIXTURE(running_task,
                  "a partitioned agent's tasks are LOST, its offers rescinded") {
  auto agent_id = log.offers().front().agent_id().value();
  REQUIRE(reaches(v1::TASK_RUNNING));
  // Each update names the task's agent: the agent's and the master's own.
  CHECK(log.last_update_of("t1").agent_id().value() == agent_id);
  c.h.advance(6s);
  REQUIRE_FALSE(log.outstanding().empty());
  c.h.partition(*c.master_node, *c.agent_nodes[0]);
  REQUIRE(reaches(v1::TASK_LOST));
  CHECK(log.last_update_of("t1").reason() == v1::TaskStatus::REASON_AGENT_DISCONNECTED);
  CHECK(log.last_update_of("t1").agent_id().value() == agent_id);
  CHECK(log.outstanding().empty());
  CHECK_FALSE(log.rescinded().empty());
}

TEST_CASE("a partition-aware framework hears TASK_UNREACHABLE instead") {
  running_task f(partition_aware());
  REQUIRE(f.reaches(v1::TASK_RUNNING));
  f.c.h.partition(*f.c.master_node, *f.c.agent_nodes[0]);
  REQUIRE(f.reaches(v1::TASK_UNREACHABLE));
  CHECK(f.log.last_update_of("t1").has_unreachable_time());
}

TEST_CASE_FIXTURE(running_task,
                  "an agent that stops answering pings becomes unreachable") {
  REQUIRE(reaches(v1::TASK_RUNNING));
  c.h.drop_all<internal::PongAgent>(c.agents[0], c.master_address);
  // Pings every 15 s; the 6th finds 5 unanswered.
  c.h.advance(75s);
  CHECK(log.states_of("t1").back() == v1::TASK_RUNNING);
  c.h.advance(15s);
  REQUIRE(reaches(v1::TASK_LOST));
}

TEST_CASE_FIXTURE(running_task,
                  "a scheduler that disconnects with failover_timeout 0 is torn down") {
  REQUIRE(reaches(v1::TASK_RUNNING));
  c.on_framework("alpha", [](test::test_scheduler& s) { s.stop(); });
  c.h.settle();
  c.inspect_master([](master::master_process& m) {
    CHECK(m.frameworks().empty());
    CHECK(m.completed_frameworks().size() == 1);
  });
}

TEST_CASE("a scheduler that comes back within its failover timeout keeps its tasks") {
  auto info = test::make_framework("alpha");
  info.set_failover_timeout(60);
  running_task f(info);
  REQUIRE(f.reaches(v1::TASK_RUNNING));
  v1::FrameworkID id;
  f.c.on_framework("alpha", [&](test::test_scheduler& s) {
    id = *s.framework_id();
    s.stop();
  });
  f.c.h.advance(30s);
  f.c.inspect_master([](master::master_process& m) {
    REQUIRE(m.frameworks().size() == 1);
    CHECK(m.frameworks().begin()->second.state ==
          master::framework_state::disconnected);
  });
  test::test_scheduler::journal second;
  auto again = info;
  *again.mutable_id() = id;
  f.c.h.spawn<test::test_scheduler>(*f.c.framework_node, "alpha-2", f.c.master_address,
                                    again, &second);
  REQUIRE(f.c.h.run_until([&] { return second.subscriptions() == 1; }));
  f.c.on_framework("alpha-2", [](test::test_scheduler& s) { s.reconcile(); });
  f.c.h.settle();
  CHECK(second.last_update_of("t1").state() == v1::TASK_RUNNING);
  f.c.h.advance(60s);
  f.c.inspect_master(
      [](master::master_process& m) { CHECK(m.frameworks().size() == 1); });
}

TEST_CASE("past its failover timeout a framework is torn down") {
  auto info = test::make_framework("alpha");
  info.set_failover_timeout(60);
  running_task f(info);
  REQUIRE(f.reaches(v1::TASK_RUNNING));
  f.c.on_framework("alpha", [](test::test_scheduler& s) { s.stop(); });
  f.c.h.advance(59s);
  f.c.inspect_master(
      [](master::master_process& m) { CHECK(m.frameworks().size() == 1); });
  f.c.h.advance(2s);
  f.c.inspect_master([](master::master_process& m) { CHECK(m.frameworks().empty()); });
  f.c.inspect_agent(0, [](agent::agent_process& a) { CHECK(a.frameworks().empty()); });
}

TEST_CASE_FIXTURE(running_task,
                  "a partitioned agent that comes back has the tasks it lost killed") {
  REQUIRE(reaches(v1::TASK_RUNNING));
  c.h.partition(*c.master_node, *c.agent_nodes[0]);
  REQUIRE(reaches(v1::TASK_LOST));
  c.h.heal(*c.master_node, *c.agent_nodes[0]);
  // The framework heard TASK_LOST and may have run the task elsewhere: the
  // copy on the agent that reregistered must not run on.
  REQUIRE(reaches(v1::TASK_KILLED));
  c.inspect_master([](master::master_process& m) {
    CHECK(m.agents().begin()->second.state == master::agent_state::registered);
    CHECK(m.frameworks().begin()->second.tasks.empty());
  });
}

TEST_CASE("a partition-aware framework gets its task back when the agent returns") {
  running_task f(partition_aware());
  REQUIRE(f.reaches(v1::TASK_RUNNING));
  f.c.h.partition(*f.c.master_node, *f.c.agent_nodes[0]);
  REQUIRE(f.reaches(v1::TASK_UNREACHABLE));
  f.c.h.heal(*f.c.master_node, *f.c.agent_nodes[0]);
  REQUIRE(f.reaches(v1::TASK_RUNNING));
  auto back = f.log.last_update_of("t1");
  CHECK(back.reason() == v1::TaskStatus::REASON_AGENT_REREGISTERED);
  CHECK(back.source() == v1::TaskStatus::SOURCE_MASTER);
  f.c.inspect_master([](master::master_process& m) {
    auto& framework = m.frameworks().begin()->second;
    REQUIRE(framework.tasks.count("t1") == 1);
    CHECK(framework.tasks.at("t1").state == v1::TASK_RUNNING);
    CHECK(framework.completed_tasks.empty());
  });
}

TEST_CASE("what a scheduler missed while it was away reaches it once it is back") {
  auto info = test::make_framework("alpha");
  info.set_failover_timeout(60);
  test::test_scheduler::journal log;
  test::test_cluster c(9);
  c.add_agent("cpus:4;mem:4096");
  c.add_framework("alpha", &log, info);
  REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
  v1::FrameworkID id;
  c.on_framework("alpha", [&](test::test_scheduler& s) {
    id = *s.framework_id();
    auto o = s.take_offer();
    s.launch_tasks(o.id(), {make_task("t1", o, "cpus:1;mem:64", "sleep 5")});
  });
  REQUIRE(c.h.run_until([&] {
    auto states = log.states_of("t1");
    return !states.empty() && states.back() == v1::TASK_RUNNING;
  }));
  c.on_framework("alpha", [](test::test_scheduler& s) { s.stop(); });
  // The task ends while nobody listens; the agent's next retry is seconds
  // after the scheduler is back.
  c.h.advance(6s);
  test::test_scheduler::journal second;
  auto again = info;
  *again.mutable_id() = id;
  c.h.spawn<test::test_scheduler>(*c.framework_node, "alpha-2", c.master_address, again,
                                  &second);
  REQUIRE(c.h.run_until([&] { return second.subscriptions() == 1; }));
  c.h.advance(1s);
  CHECK(second.states_of("t1") == std::vector<v1::TaskState>{v1::TASK_FINISHED});
}

TEST_CASE("silent agents are made unreachable no faster than the removal rate limit") {
  master::master_options options;
  options.agent_removal_rate_limit = master::rate_limit{1, 30s};
  test::test_cluster c(9, options);
  c.add_agent("cpus:1;mem:128");
  c.add_agent("cpus:1;mem:128");
  REQUIRE(c.h.run_until([&] {
    bool all = false;
    c.inspect_master([&](master::master_process& m) { all = m.agents().size() == 2; });
    return all;
  }));
  for (auto& agent : c.agents)
    c.h.drop_all<internal::PongAgent>(agent, c.master_address);
  auto unreachable = [&] {
    std::size_t n = 0;
    c.inspect_master([&](master::master_process& m) {
      for (auto& [_, agent] : m.agents())
        n += agent.state == master::agent_state::unreachable ? 1 : 0;
    });
    return n;
  };
  // Both miss their 5th ping together; one goes then, the other 30 s later.
  REQUIRE(c.h.run_until([&] { return unreachable() > 0; }, 120s));
  CHECK(unreachable() == 1);
  c.h.advance(29s);
  CHECK(unreachable() == 1);
  c.h.advance(1s);
  CHECK(unreachable() == 2);
}

namespace {

v1::FrameworkInfo checkpointing(
    v1::FrameworkInfo info = test::make_framework("alpha")) {
  info.set_checkpoint(true);
  return info;
}

}  // namespace

TEST_CASE("a checkpointing framework's task waits for its agent to come back") {
  running_task f(checkpointing());
  REQUIRE(f.reaches(v1::TASK_RUNNING));
  f.c.h.partition(*f.c.master_node, *f.c.agent_nodes[0]);
  REQUIRE(f.c.h.run_until([&] {
    bool disconnected = false;
    f.c.inspect_master([&](master::master_process& m) {
      disconnected =
          m.agents().begin()->second.state == master::agent_state::disconnected;
    });
    return disconnected;
  }));
  // A restarting agent keeps such tasks: the framework hears nothing yet.
  f.c.h.advance(60s);
  CHECK(f.log.last_update_of("t1").state() == v1::TASK_RUNNING);
  f.c.h.heal(*f.c.master_node, *f.c.agent_nodes[0]);
  REQUIRE(f.c.h.run_until([&] {
    bool back = false;
    f.c.inspect_master([&](master::master_process& m) {
      back = m.agents().begin()->second.state == master::agent_state::registered;
    });
    return back;
  }));
  f.c.h.advance(120s);
  CHECK(f.log.states_of("t1").back() == v1::TASK_RUNNING);
  f.c.inspect_master([](master::master_process& m) {
    auto& framework = m.frameworks().begin()->second;
    REQUIRE(framework.tasks.count("t1") == 1);
    CHECK(framework.tasks.at("t1").state == v1::TASK_RUNNING);
  });
}

TEST_CASE(
    "an agent that does not come back after its connection broke is unreachable "
    "after its pings' worth of time") {
  running_task f(checkpointing(partition_aware()));
  REQUIRE(f.reaches(v1::TASK_RUNNING));
  f.c.h.partition(*f.c.master_node, *f.c.agent_nodes[0]);
  // 5 pings 15 s apart.
  f.c.h.advance(70s);
  CHECK(f.log.last_update_of("t1").state() == v1::TASK_RUNNING);
  REQUIRE(f.reaches(v1::TASK_UNREACHABLE));
  CHECK(f.c.h.elapsed() >= 75s);
  f.c.inspect_master([](master::master_process& m) {
    CHECK(m.agents().begin()->second.state == master::agent_state::unreachable);
  });
}

TEST_CASE("a task its agent does not report when it reregisters is dropped") {
  for (bool aware : {true, false}) {
    CAPTURE(aware);
    auto info =
        checkpointing(aware ? partition_aware() : test::make_framework("alpha"));
    test::test_scheduler::journal log;
    test::test_cluster c(9);
    c.add_agent("cpus:4;mem:4096");
    c.add_framework("alpha", &log, info);
    REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
    // The launch never reaches the agent.
    auto lost = c.h.drop_next<internal::RunTask>(c.master_address, c.agents[0]);
    c.on_framework("alpha", [](test::test_scheduler& s) {
      auto o = s.take_offer();
      s.launch_tasks(o.id(), {make_task("t1", o, "cpus:1;mem:64", "run")});
    });
    REQUIRE(c.h.run_until(lost));
    c.h.partition(*c.master_node, *c.agent_nodes[0]);
    c.h.advance(1s);
    c.h.heal(*c.master_node, *c.agent_nodes[0]);
    auto expected = aware ? v1::TASK_DROPPED : v1::TASK_LOST;
    REQUIRE(c.h.run_until([&] {
      auto states = log.states_of("t1");
      return !states.empty() && states.back() == expected;
    }));
    auto status = log.last_update_of("t1");
    CHECK(status.reason() == v1::TaskStatus::REASON_RECONCILIATION);
    CHECK(status.source() == v1::TaskStatus::SOURCE_MASTER);
    c.inspect_master([](master::master_process& m) {
      CHECK(m.frameworks().begin()->second.tasks.empty());
    });
  }
}

TEST_CASE(
    "a framework the restarted master knows only from its tasks is torn down when "
    "its scheduler does not come back within its failover timeout") {
  master::master_options options;
  options.agent_reregister_timeout = 30s;
  test::test_scheduler::journal log;
  test::test_cluster c(13, options, {},
                       *runtime::testing::make_temporary_directory("registry"));
  c.add_agent("cpus:4;mem:4096");
  auto info = test::make_framework("alpha");
  info.set_failover_timeout(60);
  c.add_framework("alpha", &log, info);
  REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
  c.on_framework("alpha", [](test::test_scheduler& s) {
    auto o = s.take_offer();
    s.launch_tasks(o.id(), {make_task("t1", o, "cpus:1;mem:64", "sleep 1000")});
  });
  REQUIRE(c.h.run_until([&] {
    auto states = log.states_of("t1");
    return !states.empty() && states.back() == v1::TASK_RUNNING;
  }));
  // The scheduler goes away for good; then the master restarts.
  c.on_framework("alpha", [](test::test_scheduler& s) { s.stop(); });
  c.h.settle();
  c.restart_master();
  REQUIRE(c.h.run_until([&] {
    bool recovered = false;
    c.inspect_master([&](master::master_process& m) {
      recovered = m.frameworks().size() == 1 && m.frameworks().begin()->second.state ==
                                                    master::framework_state::recovered;
    });
    return recovered;
  }));
  c.h.advance(55s);
  c.inspect_master(
      [](master::master_process& m) { CHECK(m.frameworks().size() == 1); });
  c.h.advance(10s);
  c.inspect_master([](master::master_process& m) {
    CHECK(m.frameworks().empty());
    REQUIRE(m.completed_frameworks().size() == 1);
  });
  // Its task is killed on the agent, which forgets the framework.
  REQUIRE(c.h.run_until([&] {
    bool empty = false;
    c.inspect_agent(0,
                    [&](agent::agent_process& a) { empty = a.frameworks().empty(); });
    return empty;
  }));
}

TEST_CASE(
    "an update still on its way when the master restarts reaches the framework, "
    "though its executor is gone") {
  test::test_scheduler::journal log;
  test::test_cluster c(17, {}, {},
                       *runtime::testing::make_temporary_directory("registry"));
  c.add_agent("cpus:4;mem:4096");
  auto info = test::make_framework("alpha");
  info.set_failover_timeout(3600);
  c.add_framework("alpha", &log, info);
  REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
  c.on_framework("alpha", [](test::test_scheduler& s) {
    auto o = s.take_offer();
    s.launch_tasks(o.id(), {make_task("t1", o, "cpus:1;mem:64", "exit 0")});
  });
  // The task's end stays with the agent; its executor exits meanwhile.
  auto held = c.h.drop_all<internal::StatusUpdate>(c.agents[0], c.master_address);
  REQUIRE(c.h.run_until([&] {
    bool gone = false;
    c.inspect_agent(0, [&](agent::agent_process& a) {
      gone = a.frameworks().empty() && a.updates().streams() == 1;
    });
    return gone;
  }));
  held.cancel();
  c.restart_master();
  REQUIRE(c.h.run_until([&] {
    auto states = log.states_of("t1");
    return !states.empty() && states.back() == v1::TASK_FINISHED;
  }));
  c.inspect_master([](master::master_process& m) {
    REQUIRE(m.frameworks().size() == 1);
    CHECK(m.frameworks().begin()->second.tasks.empty());
  });
}

TEST_CASE(
    "a call that reaches a restarted master before its scheduler subscribed again "
    "is ignored, not answered with an ERROR that would end the scheduler") {
  test::test_scheduler::journal log;
  test::test_cluster c(19, {}, {},
                       *runtime::testing::make_temporary_directory("registry"));
  c.add_agent("cpus:4;mem:4096");
  auto info = test::make_framework("alpha");
  info.set_failover_timeout(3600);
  auto scheduler = c.add_framework("alpha", &log, info);
  REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
  // The scheduler's subscription to the new master waits; a call it makes
  // meanwhile arrives first.
  auto subscription = c.h.hold_next<v1::scheduler::Call>(scheduler, c.master_address);
  c.restart_master();
  REQUIRE(c.h.run_until([&] { return subscription.ready(); }));
  c.on_framework("alpha", [](test::test_scheduler& s) { s.revive(); });
  c.h.settle();
  CHECK(log.errors().empty());
  REQUIRE(subscription.release());
  REQUIRE(c.h.run_until([&] { return log.subscriptions() == 2; }));
  CHECK(log.errors().empty());
}

TEST_CASE("a duplicated update and a duplicated acknowledgement change nothing") {
  test::test_scheduler::journal log;
  test::test_cluster c(23);
  auto agent = c.add_agent("cpus:4;mem:4096");
  c.add_framework("alpha", &log);
  REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
  // STARTING comes again once the task is RUNNING; its acknowledgement too.
  c.h.duplicate_next<internal::StatusUpdate>(agent, c.master_address, 2s);
  c.h.duplicate_next<internal::StatusUpdateAcknowledgement>(c.master_address, agent,
                                                            3s);
  c.on_framework("alpha", [](test::test_scheduler& s) {
    auto o = s.take_offer();
    s.launch_tasks(o.id(), {make_task("t1", o, "cpus:1;mem:64", "sleep 10")});
  });
  REQUIRE(c.h.run_until([&] {
    auto states = log.states_of("t1");
    return !states.empty() && states.back() == v1::TASK_RUNNING;
  }));
  c.h.advance(4s);
  c.inspect_master([](master::master_process& m) {
    auto& tasks = m.frameworks().begin()->second.tasks;
    REQUIRE(tasks.count("t1") == 1);
    CHECK(tasks.at("t1").state == v1::TASK_RUNNING);
  });
  REQUIRE(c.h.run_until([&] {
    auto states = log.states_of("t1");
    return states.back() == v1::TASK_FINISHED;
  }));
  // Each update arrived, the duplicate with the uuid of the first.
  std::vector<v1::TaskState> distinct;
  std::set<std::string> uuids;
  for (auto& status : log.updates())
    if (uuids.insert(status.uuid()).second)
      distinct.push_back(status.state());
  CHECK(distinct == std::vector<v1::TaskState>{v1::TASK_STARTING, v1::TASK_RUNNING,
                                               v1::TASK_FINISHED});
  // Every update was acknowledged, the duplicate acknowledgement ignored.
  REQUIRE(c.h.run_until([&] {
    std::size_t streams = 1;
    c.inspect_agent(0,
                    [&](agent::agent_process& a) { streams = a.updates().streams(); });
    return streams == 0;
  }));
}
