// Subscribing, offers, launching a task and its updates, on the harness.

#include <doctest/doctest.h>

#include "tests/cluster/cluster_fixture.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using test::make_task;

TEST_CASE("a framework subscribes, gets an offer, runs a task to the end") {
  test::test_scheduler::journal log;
  test::test_cluster c;
  c.add_agent("cpus:4;mem:4096;disk:1000;ports:[31000-32000]");
  c.add_framework("alpha", &log);
  REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
  CHECK(log.subscriptions() == 1);
  auto offer = log.offers().front();
  common::resources offered(offer.resources());
  CHECK(offered.scalar("cpus") == 4);
  CHECK(offered.scalar("mem") == 4096);
  CHECK(offer.allocation_info().role() == "*");

  c.on_framework("alpha", [](test::test_scheduler& s) {
    auto o = s.take_offer();
    s.launch_tasks(o.id(), {make_task("t1", o, "cpus:1;mem:128", "sleep 10")});
  });
  REQUIRE(c.h.run_until([&] { return log.states_of("t1").size() == 2; }));
  CHECK(log.states_of("t1") ==
        std::vector<v1::TaskState>{v1::TASK_STARTING, v1::TASK_RUNNING});
  c.h.advance(10s);
  REQUIRE(c.h.run_until([&] { return log.states_of("t1").size() == 3; }));
  CHECK(log.states_of("t1").back() == v1::TASK_FINISHED);
  c.h.settle();
  // Every update was acknowledged: nothing is left to retry.
  c.inspect_agent(0,
                  [](agent::agent_process& a) { CHECK(a.updates().streams() == 0); });
  c.inspect_master([](master::master_process& m) {
    auto& framework = m.frameworks().begin()->second;
    CHECK(framework.tasks.empty());
    REQUIRE(framework.completed_tasks.size() == 1);
    CHECK(framework.completed_tasks.back().record.state == v1::TASK_FINISHED);
  });
}

namespace {

// A cluster with one agent and framework "alpha" holding its first offer.
struct one_offer {
  explicit one_offer(v1::FrameworkInfo info = test::make_framework("alpha")) : c(3) {
    c.add_agent("cpus:4;mem:4096;disk:1000;ports:[31000-32000]");
    c.add_framework("alpha", &log, std::move(info));
    REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
  }

  // Launches `command` as task `id` on the oldest outstanding offer.
  void launch(const std::string& id, const std::string& command,
              const std::function<void(v1::TaskInfo&)>& adjust = {}) {
    c.on_framework("alpha", [=](test::test_scheduler& s) {
      auto o = s.take_offer();
      auto task = make_task(id, o, "cpus:1;mem:128", command);
      if (adjust)
        adjust(task);
      s.launch_tasks(o.id(), {task});
    });
  }

  bool reaches(const std::string& task, v1::TaskState state) {
    return c.h.run_until([&] {
      auto states = log.states_of(task);
      return !states.empty() && states.back() == state;
    });
  }

  // The journal outlives the cluster: processes write to it until the end.
  test::test_scheduler::journal log;
  test::test_cluster c;
};

}  // namespace

TEST_CASE_FIXTURE(one_offer, "a dropped status update is retried and arrives once") {
  auto dropped = c.h.drop_next<internal::StatusUpdate>(c.agents[0], c.master_address);
  launch("t1", "run");
  c.h.settle();
  CHECK(dropped.ready());
  CHECK(dropped.get().status().state() == v1::TASK_STARTING);
  // RUNNING waits behind the unacknowledged STARTING.
  CHECK(log.states_of("t1").empty());
  c.h.advance(1s);
  REQUIRE(reaches("t1", v1::TASK_RUNNING));
  c.h.advance(30s);
  CHECK(log.states_of("t1") ==
        std::vector<v1::TaskState>{v1::TASK_STARTING, v1::TASK_RUNNING});
}

TEST_CASE_FIXTURE(one_offer, "a killed task ends KILLED") {
  launch("t1", "run");
  REQUIRE(reaches("t1", v1::TASK_RUNNING));
  c.on_framework("alpha", [](test::test_scheduler& s) {
    v1::TaskID id;
    id.set_value("t1");
    s.kill(id);
  });
  REQUIRE(reaches("t1", v1::TASK_KILLED));
  CHECK(log.states_of("t1") == std::vector<v1::TaskState>{v1::TASK_STARTING,
                                                          v1::TASK_RUNNING,
                                                          v1::TASK_KILLED});
}

TEST_CASE("a kill honours the grace period of the task's kill policy") {
  auto info = test::make_framework("alpha");
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::TASK_KILLING_STATE);
  one_offer f(info);
  f.launch("t1", "run ignore-term", [](v1::TaskInfo& task) {
    task.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(5'000'000'000);
  });
  REQUIRE(f.reaches("t1", v1::TASK_RUNNING));
  f.c.on_framework("alpha", [](test::test_scheduler& s) {
    v1::TaskID id;
    id.set_value("t1");
    s.kill(id);
  });
  REQUIRE(f.reaches("t1", v1::TASK_KILLING));
  f.c.h.advance(4s);
  CHECK(f.log.states_of("t1").back() == v1::TASK_KILLING);
  f.c.h.advance(1s);
  REQUIRE(f.reaches("t1", v1::TASK_KILLED));
  CHECK(f.log.last_update_of("t1").message().find("SIGKILL") != std::string::npos);
}

TEST_CASE_FIXTURE(one_offer, "a declined offer comes back only after refuse_seconds") {
  c.on_framework("alpha", [](test::test_scheduler& s) {
    v1::Filters filters;
    filters.set_refuse_seconds(10);
    s.decline({s.take_offer().id()}, filters);
  });
  c.h.settle();
  auto before = log.offers().size();
  c.h.advance(9s);
  CHECK(log.offers().size() == before);
  c.h.advance(2s);
  CHECK(log.offers().size() == before + 1);
}

TEST_CASE_FIXTURE(one_offer, "a decline without filters refuses for the default 5 s") {
  c.on_framework("alpha",
                 [](test::test_scheduler& s) { s.decline({s.take_offer().id()}); });
  c.h.settle();
  auto before = log.offers().size();
  c.h.advance(4s);
  CHECK(log.offers().size() == before);
  c.h.advance(2s);
  CHECK(log.offers().size() == before + 1);
}

TEST_CASE("refusals stand alone: two small ones never refuse what neither covers") {
  // One agent with 2 cpus; each launch takes 1 cpu and refuses the other
  // for 100 s. When a task ends, 2 cpus are free: more than either refusal
  // covers (Mesos's offer filters), though not more than both together.
  test::test_scheduler::journal log;
  test::test_cluster c;
  c.add_agent("cpus:2;mem:1024");
  c.add_framework("alpha", &log);
  auto launch_on_offer = [&](const std::string& id) {
    REQUIRE(c.h.run_until([&] { return !log.outstanding().empty(); }));
    c.on_framework("alpha", [id](test::test_scheduler& s) {
      auto o = s.take_offer();
      v1::Filters filters;
      filters.set_refuse_seconds(100);
      s.launch_tasks(o.id(), {make_task(id, o, "cpus:1;mem:128", "sleep 10")}, filters);
    });
    REQUIRE(c.h.run_until([&] { return !log.states_of(id).empty(); }));
  };
  launch_on_offer("first");
  c.h.advance(10s);
  launch_on_offer("second");
  auto before = log.offers().size();
  c.h.advance(10s);
  REQUIRE(log.states_of("second").back() == v1::TASK_FINISHED);
  REQUIRE(c.h.run_until([&] { return log.offers().size() > before; }));
  CHECK(common::resources(log.offers().back().resources()).scalar("cpus") == 2);
}

TEST_CASE_FIXTURE(one_offer, "revive clears filters at once") {
  c.on_framework("alpha", [](test::test_scheduler& s) {
    v1::Filters filters;
    filters.set_refuse_seconds(1000);
    s.decline({s.take_offer().id()}, filters);
  });
  c.h.advance(3s);
  auto before = log.offers().size();
  c.on_framework("alpha", [](test::test_scheduler& s) { s.revive(); });
  c.h.settle();
  CHECK(log.offers().size() == before + 1);
}

TEST_CASE_FIXTURE(one_offer, "a suppressed framework gets no offers until it revives") {
  c.on_framework("alpha", [](test::test_scheduler& s) {
    s.suppress();
    v1::Filters filters;
    filters.set_refuse_seconds(1);
    s.decline({s.take_offer().id()}, filters);
  });
  c.h.settle();
  auto before = log.offers().size();
  c.h.advance(10s);
  CHECK(log.offers().size() == before);
  c.on_framework("alpha", [](test::test_scheduler& s) { s.revive(); });
  c.h.settle();
  CHECK(log.offers().size() == before + 1);
}

TEST_CASE_FIXTURE(one_offer, "update_framework changes the info in place") {
  // Renamed, and suppressed in its role: no offers until it revives.
  c.on_framework("alpha", [](test::test_scheduler& s) {
    auto info = s.framework_info();
    info.set_name("alpha-renamed");
    s.update_framework(info, {"*"});
    v1::Filters filters;
    filters.set_refuse_seconds(1);
    s.decline({s.take_offer().id()}, filters);
  });
  c.h.settle();
  auto name_in_master = [&] {
    std::string name;
    c.inspect_master([&](master::master_process& m) {
      name = m.frameworks().begin()->second.info.name();
    });
    return name;
  };
  CHECK(name_in_master() == "alpha-renamed");
  auto before = log.offers().size();
  c.h.advance(10s);
  CHECK(log.offers().size() == before);
  // What may not change is refused with an error, the info kept.
  c.on_framework("alpha", [](test::test_scheduler& s) {
    auto info = s.framework_info();
    info.set_user("someone-else");
    info.set_name("not-taken");
    s.update_framework(info);
  });
  c.h.settle();
  CHECK(name_in_master() == "alpha-renamed");
  REQUIRE(!log.errors().empty());
  CHECK(log.errors().back().find("FrameworkInfo.user") != std::string::npos);
}

TEST_CASE_FIXTURE(one_offer,
                  "reconciliation reports latest states, explicit and implicit") {
  launch("t1", "run");
  REQUIRE(reaches("t1", v1::TASK_RUNNING));
  auto agent_id = log.offers().front().agent_id();
  log.clear_updates();
  c.on_framework("alpha", [](test::test_scheduler& s) { s.reconcile(); });
  c.h.settle();
  REQUIRE(log.updates().size() == 1);
  CHECK(log.updates()[0].task_id().value() == "t1");
  CHECK(log.updates()[0].state() == v1::TASK_RUNNING);
  CHECK(log.updates()[0].reason() == v1::TaskStatus::REASON_RECONCILIATION);
  CHECK_FALSE(log.updates()[0].has_uuid());

  log.clear_updates();
  c.on_framework("alpha", [agent_id](test::test_scheduler& s) {
    std::vector<v1::scheduler::Call::Reconcile::Task> tasks(3);
    tasks[0].mutable_task_id()->set_value("t1");
    tasks[1].mutable_task_id()->set_value("ghost");
    *tasks[1].mutable_agent_id() = agent_id;
    tasks[2].mutable_task_id()->set_value("nowhere");
    s.reconcile(tasks);
  });
  c.h.settle();
  REQUIRE(log.updates().size() == 3);
  CHECK(log.last_update_of("t1").state() == v1::TASK_RUNNING);
  CHECK(log.last_update_of("ghost").state() == v1::TASK_LOST);
  CHECK(log.last_update_of("nowhere").state() == v1::TASK_LOST);
}

TEST_CASE("partition-aware frameworks hear GONE and UNKNOWN for unknown tasks") {
  auto info = test::make_framework("alpha");
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::PARTITION_AWARE);
  one_offer f(info);
  auto agent_id = f.log.offers().front().agent_id();
  f.c.on_framework("alpha", [agent_id](test::test_scheduler& s) {
    std::vector<v1::scheduler::Call::Reconcile::Task> tasks(2);
    tasks[0].mutable_task_id()->set_value("ghost");
    *tasks[0].mutable_agent_id() = agent_id;
    tasks[1].mutable_task_id()->set_value("nowhere");
    s.reconcile(tasks);
  });
  f.c.h.settle();
  CHECK(f.log.last_update_of("ghost").state() == v1::TASK_GONE);
  CHECK(f.log.last_update_of("nowhere").state() == v1::TASK_UNKNOWN);
}

TEST_CASE_FIXTURE(one_offer, "teardown kills the framework's tasks and forgets it") {
  launch("t1", "run");
  REQUIRE(reaches("t1", v1::TASK_RUNNING));
  c.on_framework("alpha", [](test::test_scheduler& s) { s.teardown(); });
  c.h.settle();
  c.inspect_master([](master::master_process& m) {
    CHECK(m.frameworks().empty());
    REQUIRE(m.completed_frameworks().size() == 1);
    CHECK(m.completed_frameworks().back().completed_tasks.back().record.state ==
          v1::TASK_KILLED);
  });
  c.inspect_agent(0, [](agent::agent_process& a) { CHECK(a.frameworks().empty()); });
}

TEST_CASE_FIXTURE(one_offer,
                  "killing a task the master does not know reports it lost") {
  c.on_framework("alpha", [](test::test_scheduler& s) {
    v1::TaskID id;
    id.set_value("never-launched");
    s.kill(id);
  });
  c.h.settle();
  CHECK(log.last_update_of("never-launched").state() == v1::TASK_LOST);
}
