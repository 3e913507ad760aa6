// The agents' checkpoints and the master's registry on a disk that fails
// (runtime/testing/faulty_file_system): what a failure to keep something
// means is decided where it happens. A launch the checkpoint cannot keep
// fails with a reason; an admission the registry cannot keep is not
// promised; a crash that loses what was not flushed loses no promise.

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "actors/common/resources.hpp"
#include "runtime/testing/faulty_file_system.hpp"
#include "tests/cluster/cluster_fixture.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using operation = runtime::testing::faulty_file_system::operation;
using test::make_task;

namespace {

// A cluster whose agents checkpoint and whose master keeps its registry,
// all on one faulty disk; framework "alpha" checkpoints.
struct cluster_on_a_faulty_disk {
  explicit cluster_on_a_faulty_disk(uint64_t seed = 5)
      : c(seed, {}, {}, "/disk/registry", &disk) {}

  // Adds an agent (checkpointing on the faulty disk, when `checkpoints`).
  void add_agent(bool checkpoints = true) {
    auto index = c.agents.size();
    c.add_agent("cpus:4;mem:4096", [&](agent::agent_options& options) {
      if (checkpoints)
        options.work_dir = "/disk/agent-" + std::to_string(index);
    });
  }

  void add_framework() {
    auto info = test::make_framework("alpha");
    info.set_checkpoint(true);
    c.add_framework("alpha", &log, info);
    REQUIRE(c.h.run_until([&] { return !log.outstanding().empty(); }));
  }

  void launch(const std::string& id) {
    REQUIRE(c.h.run_until([&] { return !log.outstanding().empty(); }));
    c.on_framework("alpha", [=](test::test_scheduler& s) {
      auto o = s.take_offer();
      s.launch_tasks(o.id(), {make_task(id, o, "cpus:1;mem:64", "sleep 1000")});
    });
  }

  v1::TaskStatus ends(const std::string& id) {
    REQUIRE(c.h.run_until([&] {
      auto states = log.states_of(id);
      return !states.empty() && common::is_terminal(states.back());
    }));
    return log.last_update_of(id);
  }

  double offered_cpus() {
    c.h.advance(5s);
    double total = 0;
    for (auto& offer : log.outstanding())
      total += common::resources(offer.resources()).scalar("cpus");
    return total;
  }

  std::size_t registered_agents() {
    std::size_t n = 0;
    c.inspect_master([&](master::master_process& m) {
      for (auto& [id, agent] : m.agents())
        n += agent.state == master::agent_state::registered ? 1 : 0;
    });
    return n;
  }

  runtime::testing::faulty_file_system disk;
  test::test_scheduler::journal log;
  test::test_cluster c;
};

}  // namespace

TEST_CASE(
    "a launch whose checkpoint the disk refuses fails, saying so, and its "
    "resources come back") {
  // The agent keeps three things for a launch: the framework, the
  // executor's launch, the tasks. Each one failing fails the launch.
  const char* expected[] = {"cannot checkpoint the framework",
                            "cannot checkpoint the launch of executor",
                            "cannot checkpoint the tasks"};
  for (int step = 0; step < 3; ++step) {
    CAPTURE(step);
    cluster_on_a_faulty_disk f;
    f.add_agent();
    f.add_framework();
    f.disk.fail_next(operation::write, 1, step);
    f.launch("t1");
    auto end = f.ends("t1");
    CHECK(end.state() == v1::TASK_FAILED);
    CHECK(end.reason() == v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
    CHECK(end.message().find(expected[step]) != std::string::npos);
    CHECK(end.message().find("Input/output error") != std::string::npos);
    CHECK(f.offered_cpus() == doctest::Approx(4));
    f.c.inspect_agent(0, [](agent::agent_process& a) {
      for (auto& [id, framework] : a.frameworks())
        CHECK(framework.executors.empty());
    });
    // The disk works again: so does the next launch.
    f.launch("t2");
    REQUIRE(f.c.h.run_until([&] {
      auto states = f.log.states_of("t2");
      return !states.empty() && states.back() == v1::TASK_RUNNING;
    }));
  }
}

TEST_CASE(
    "a task launched when the disk was full is kept by a restart once there is "
    "room, and the one that did not fit is not") {
  cluster_on_a_faulty_disk f;
  f.add_agent();
  f.add_framework();
  f.launch("kept");
  REQUIRE(f.c.h.run_until(
      [&] { return f.log.last_update_of("kept").state() == v1::TASK_RUNNING; }));
  f.disk.limit_space(0);
  f.launch("unkept");
  CHECK(f.ends("unkept").state() == v1::TASK_FAILED);
  f.disk.limit_space(std::nullopt);
  f.c.restart_agent(0);
  f.c.h.advance(30s);
  CHECK(f.log.last_update_of("kept").state() == v1::TASK_RUNNING);
  f.c.inspect_agent(0, [](agent::agent_process& a) {
    REQUIRE(a.frameworks().size() == 1);
    auto& executors = a.frameworks().begin()->second.executors;
    CHECK(executors.size() == 1);
    CHECK(executors.count("kept") == 1);
  });
  CHECK(f.offered_cpus() == doctest::Approx(3));
}

TEST_CASE(
    "an agent's admission the registry cannot write or flush is not promised; "
    "the agent is admitted once it can") {
  for (auto op : {operation::write, operation::sync}) {
    CAPTURE(static_cast<int>(op));
    cluster_on_a_faulty_disk f;
    f.disk.fail_next(op, 3);
    f.add_agent(false);
    f.c.h.advance(30s);
    CHECK(f.registered_agents() == 1);
    f.c.inspect_master(
        [](master::master_process& m) { CHECK(m.agents().size() == 1); });
    f.c.inspect_agent(0, [](agent::agent_process& a) { CHECK(a.registered()); });
  }
}

TEST_CASE(
    "a master crash that loses unflushed admissions loses no promise: the agents "
    "it never answered register again") {
  cluster_on_a_faulty_disk f;
  f.add_agent(false);
  f.c.h.advance(5s);
  REQUIRE(f.registered_agents() == 1);
  // Flushes fail from now on: two more agents are written, never flushed,
  // never answered.
  f.disk.fail_next(operation::sync, 1000);
  f.add_agent(false);
  f.add_agent(false);
  f.c.h.advance(3s);
  f.c.inspect_agent(1, [](agent::agent_process& a) { CHECK_FALSE(a.registered()); });
  f.c.restart_master([&] {
    f.disk.crash();
    f.disk.fail_next(operation::sync, 0);
  });
  f.c.h.advance(30s);
  CHECK(f.registered_agents() == 3);
  f.c.inspect_master([](master::master_process& m) { CHECK(m.agents().size() == 3); });
  f.add_framework();
  CHECK(f.offered_cpus() == doctest::Approx(12));
}

TEST_CASE(
    "a task whose end the agent's disk did not keep stays ended at the master "
    "when the restarted agent reports it running") {
  cluster_on_a_faulty_disk f;
  f.add_agent();
  f.add_framework();
  REQUIRE(f.c.h.run_until([&] { return !f.log.outstanding().empty(); }));
  f.c.on_framework("alpha", [](test::test_scheduler& s) {
    auto o = s.take_offer();
    s.launch_tasks(o.id(), {make_task("t1", o, "cpus:1;mem:64", "sleep 5")});
  });
  REQUIRE(f.c.h.run_until(
      [&] { return f.log.last_update_of("t1").state() == v1::TASK_RUNNING; }));
  // The disk is full when the task ends: its end reaches the master and the
  // framework, but not the checkpoint.
  f.disk.limit_space(0);
  REQUIRE(f.c.h.run_until(
      [&] { return f.log.last_update_of("t1").state() == v1::TASK_FINISHED; }));
  f.c.h.advance(2s);
  // From now on the master must never have the task live again.
  bool revived = false;
  f.c.h.after_each_delivery([&] {
    auto* m = runtime::testing::harness::peek<master::master_process>(*f.c.master_node,
                                                                      "master");
    if (m != nullptr && m->frameworks().begin()->second.tasks.count("t1") > 0)
      revived = true;
  });
  f.c.restart_agent(0, [&] { f.disk.limit_space(std::nullopt); });
  f.c.h.advance(30s);
  f.c.h.after_each_delivery({});
  CHECK_FALSE(revived);
  // What it heard first of each update (the agent may resend one whose
  // acknowledgement its disk did not keep: a duplicate, which frameworks
  // drop by uuid) never goes back after the end.
  std::set<std::string> seen;
  std::vector<v1::TaskState> states;
  for (auto& status : f.log.updates())
    if (status.task_id().value() == "t1" && seen.insert(status.uuid()).second)
      states.push_back(status.state());
  auto finished = std::find(states.begin(), states.end(), v1::TASK_FINISHED);
  REQUIRE(finished != states.end());
  for (auto later = finished; later != states.end(); ++later)
    CHECK(*later == v1::TASK_FINISHED);
  CHECK(f.offered_cpus() == doctest::Approx(4));
}
