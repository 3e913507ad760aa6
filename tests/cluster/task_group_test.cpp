// Task groups on the default executor (LAUNCH_GROUP): one executor per
// framework and agent runs many groups, its resources are taken once, a
// failing task takes its group down, an idle executor is shut down and
// gives its resources back, and invalid groups are refused whole. A custom
// executor's resources, too, count once for all its tasks.

#include <doctest/doctest.h>

#include "tests/cluster/cluster_fixture.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using test::make_task;

namespace {

// One agent (idle default executors shut down after 5 s) and framework
// "alpha" holding its first offer.
struct grouping {
  grouping() : c(7) {
    c.add_agent("cpus:4;mem:4096", [](agent::agent_options& options) {
      options.executor_idle_timeout = 5s;
    });
    c.add_framework("alpha", &log);
    REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
  }

  // The default executor "runner" with cpus 0.5 and mem 64.
  static v1::ExecutorInfo runner() {
    v1::ExecutorInfo executor;
    executor.set_type(v1::ExecutorInfo::DEFAULT);
    executor.mutable_executor_id()->set_value("runner");
    common::resources::parse("cpus:0.5;mem:64")->copy_to(executor.mutable_resources());
    return executor;
  }

  // Launches tasks `ids` running `commands` (cpus 1, mem 128 each) as one
  // group on all outstanding offers (all from the one agent); what is left
  // comes back at once.
  void launch_group(const std::vector<std::string>& ids,
                    const std::vector<std::string>& commands,
                    v1::ExecutorInfo executor = runner()) {
    c.on_framework("alpha", [=](test::test_scheduler& s) {
      std::vector<v1::OfferID> offers;
      v1::Offer o;
      for (auto next = s.take_offer(); next.has_id(); next = s.take_offer()) {
        offers.push_back(next.id());
        o = next;
      }
      std::vector<v1::TaskInfo> tasks;
      for (std::size_t i = 0; i < ids.size(); ++i)
        tasks.push_back(make_task(ids[i], o, "cpus:1;mem:128", commands[i]));
      v1::Filters no_filter;
      no_filter.set_refuse_seconds(0);
      s.accept(offers, {scheduler::make_launch_group(executor, tasks)}, no_filter);
    });
  }

  bool reaches(const std::string& task, v1::TaskState state) {
    return c.h.run_until([&] {
      auto states = log.states_of(task);
      return !states.empty() && states.back() == state;
    });
  }

  // The containers of the agent's executors of "alpha".
  std::vector<std::string> containers() {
    std::vector<std::string> result;
    c.inspect_agent(0, [&](agent::agent_process& a) {
      for (auto& [id, framework] : a.frameworks())
        for (auto& [executor_id, executor] : framework.executors)
          result.push_back(executor_id + "/" + executor.container_id);
    });
    return result;
  }

  test::test_scheduler::journal log;
  test::test_cluster c;
};

bool lists_executor(const v1::Offer& offer, const std::string& id) {
  for (auto& executor : offer.executor_ids())
    if (executor.value() == id)
      return true;
  return false;
}

}  // namespace

TEST_CASE_FIXTURE(grouping,
                  "task groups share one default executor whose resources count once") {
  launch_group({"a", "b"}, {"sleep 10", "sleep 10"});
  REQUIRE(reaches("a", v1::TASK_RUNNING));
  REQUIRE(reaches("b", v1::TASK_RUNNING));
  auto first = containers();
  REQUIRE(first.size() == 1);
  CHECK(first.front().rfind("runner/", 0) == 0);

  // The rest: 4 - 2 tasks - 0.5 for the executor; the offer names it.
  REQUIRE(c.h.run_until([&] { return log.outstanding().size() == 1; }));
  auto rest = log.outstanding().front();
  CHECK(common::resources(rest.resources()).scalar("cpus") == doctest::Approx(1.5));
  CHECK(common::resources(rest.resources()).scalar("mem") ==
        doctest::Approx(4096 - 320));
  CHECK(lists_executor(rest, "runner"));

  // A second group fits in 1.5 cpus only because the executor is not
  // counted again; it runs in the same container.
  launch_group({"c"}, {"sleep 10"});
  REQUIRE(reaches("c", v1::TASK_RUNNING));
  CHECK(containers() == first);
  REQUIRE(c.h.run_until([&] { return log.outstanding().size() == 1; }));
  CHECK(common::resources(log.outstanding().front().resources()).scalar("cpus") ==
        doctest::Approx(0.5));

  c.h.advance(10s);
  for (auto* id : {"a", "b", "c"})
    CHECK(reaches(id, v1::TASK_FINISHED));
}

TEST_CASE_FIXTURE(grouping, "a task that fails takes the rest of its group down") {
  launch_group({"long", "bad", "other"}, {"sleep 100", "exit 3", "sleep 100"});
  REQUIRE(reaches("bad", v1::TASK_FAILED));
  REQUIRE(reaches("long", v1::TASK_KILLED));
  REQUIRE(reaches("other", v1::TASK_KILLED));
  // A group launched later on the same executor is not touched.
  REQUIRE(c.h.run_until([&] { return !log.outstanding().empty(); }));
  launch_group({"later"}, {"sleep 1"});
  REQUIRE(reaches("later", v1::TASK_RUNNING));
  c.h.advance(1s);
  CHECK(reaches("later", v1::TASK_FINISHED));
}

TEST_CASE_FIXTURE(grouping, "killing one task of a group kills the whole group") {
  launch_group({"a", "b"}, {"sleep 100", "sleep 100"});
  REQUIRE(reaches("b", v1::TASK_RUNNING));
  c.on_framework("alpha", [](test::test_scheduler& s) {
    v1::TaskID id;
    id.set_value("a");
    s.kill(id);
  });
  CHECK(reaches("a", v1::TASK_KILLED));
  CHECK(reaches("b", v1::TASK_KILLED));
}

TEST_CASE_FIXTURE(grouping,
                  "an idle default executor is shut down and its resources come back") {
  launch_group({"a"}, {"true"});
  REQUIRE(reaches("a", v1::TASK_FINISHED));
  c.h.settle();
  CHECK(containers().size() == 1);
  c.h.advance(4s);
  CHECK(containers().size() == 1);
  c.h.advance(2s);
  REQUIRE(c.h.run_until([&] { return !log.failures().empty(); }));
  CHECK(log.failures().front().executor_id().value() == "runner");
  CHECK(containers().empty());
  c.inspect_master([](master::master_process& m) {
    CHECK(m.frameworks().begin()->second.executors.empty());
  });
  // Everything is offered again, and no offer names the executor.
  REQUIRE(c.h.run_until([&] {
    double cpus = 0;
    for (auto& offer : log.outstanding())
      cpus += common::resources(offer.resources()).scalar("cpus");
    return cpus == doctest::Approx(4);
  }));
  CHECK_FALSE(lists_executor(log.outstanding().back(), "runner"));
}

TEST_CASE_FIXTURE(grouping, "the idle timeout counts from the executor's last task") {
  launch_group({"a"}, {"true"});
  REQUIRE(reaches("a", v1::TASK_FINISHED));
  c.h.settle();
  c.h.advance(3s);
  REQUIRE(c.h.run_until([&] { return !log.outstanding().empty(); }));
  launch_group({"b"}, {"true"});
  REQUIRE(reaches("b", v1::TASK_FINISHED));
  c.h.settle();
  // 6 s after "a" ended, 3 s after "b" did: still there.
  c.h.advance(3s);
  c.h.settle();
  CHECK(containers().size() == 1);
  CHECK(log.failures().empty());
  c.h.advance(3s);
  REQUIRE(c.h.run_until([&] { return !log.failures().empty(); }));
  CHECK(containers().empty());
}

TEST_CASE_FIXTURE(
    grouping, "a group sent while an idle executor shuts down gets a new run of it") {
  launch_group({"a"}, {"true"});
  REQUIRE(reaches("a", v1::TASK_FINISHED));
  c.h.settle();
  auto first = containers();
  REQUIRE(first.size() == 1);
  // The agent ends the idle executor; its SHUTDOWN is held, so the
  // executor is still there when the master, not knowing, sends a group.
  auto shutdown = c.h.hold_next<v1::executor::Event>(c.agents[0], std::nullopt);
  c.h.advance(6s);
  REQUIRE(c.h.run_until([&] { return shutdown.ready(); }));
  CHECK(shutdown.get().type() == v1::executor::Event::SHUTDOWN);
  REQUIRE(c.h.run_until([&] { return !log.outstanding().empty(); }));
  launch_group({"b"}, {"true"});
  c.h.settle();
  CHECK(log.states_of("b").empty());
  REQUIRE(shutdown.release());
  CHECK(reaches("b", v1::TASK_FINISHED));
  CHECK(log.states_of("b").front() == v1::TASK_STARTING);
  // A new run of the same executor; the framework never heard it failed,
  // and the master still counts it.
  auto second = containers();
  REQUIRE(second.size() == 1);
  CHECK(second.front().rfind("runner/", 0) == 0);
  CHECK(second != first);
  CHECK(log.failures().empty());
  c.inspect_master([](master::master_process& m) {
    CHECK(m.frameworks().begin()->second.executors.size() == 1);
  });
}

TEST_CASE_FIXTURE(grouping, "an invalid task group is refused whole") {
  auto check_refused = [&](const std::vector<std::string>& ids,
                           const std::string& words) {
    for (auto& id : ids) {
      auto status = log.last_update_of(id);
      CHECK(status.state() == v1::TASK_ERROR);
      CHECK(status.reason() == v1::TaskStatus::REASON_TASK_GROUP_INVALID);
      CHECK_MESSAGE(status.message().find(words) != std::string::npos,
                    status.message());
    }
    CHECK(containers().empty());
    // The offer came back whole.
    REQUIRE(c.h.run_until([&] { return !log.outstanding().empty(); }));
    CHECK(common::resources(log.outstanding().front().resources()).scalar("cpus") == 4);
  };

  auto custom = runner();
  custom.set_type(v1::ExecutorInfo::CUSTOM);
  launch_group({"a1", "a2"}, {"true", "true"}, custom);
  c.h.settle();
  check_refused({"a1", "a2"}, "needs an executor of type DEFAULT");

  launch_group({"b1", "b1"}, {"true", "true"});
  c.h.settle();
  check_refused({"b1"}, "appears twice in the group");

  launch_group({"c1", "c2", "c3", "c4"}, {"true", "true", "true", "true"});
  c.h.settle();
  check_refused({"c1", "c4"}, "the task group needs cpus:4.5");

  auto nameless = runner();
  nameless.mutable_executor_id()->set_value("");
  launch_group({"d1"}, {"true"}, nameless);
  c.h.settle();
  check_refused({"d1"}, "the executor has no ID");

  c.on_framework("alpha", [](test::test_scheduler& s) {
    auto o = s.take_offer();
    auto task = make_task("e1", o, "cpus:1;mem:128", "true");
    task.mutable_executor()->mutable_executor_id()->set_value("own");
    task.mutable_executor()->mutable_command()->set_value("my-executor");
    task.clear_command();
    s.launch_group(o.id(), runner(), {task});
  });
  c.h.settle();
  check_refused({"e1"}, "task e1: a task of a group needs a command and no executor");
}

TEST_CASE_FIXTURE(grouping,
                  "a custom executor's resources count once, until it exits") {
  c.on_framework("alpha", [](test::test_scheduler& s) {
    auto o = s.take_offer();
    auto executor = runner();
    executor.set_type(v1::ExecutorInfo::CUSTOM);
    executor.mutable_command()->set_value("my-executor");
    std::vector<v1::TaskInfo> tasks;
    for (auto* id : {"x", "y"}) {
      auto task = make_task(id, o, "cpus:1;mem:128", "");
      task.clear_command();
      *task.mutable_executor() = executor;
      tasks.push_back(task);
    }
    v1::Filters no_filter;
    no_filter.set_refuse_seconds(0);
    s.launch_tasks(o.id(), tasks, no_filter);
  });
  REQUIRE(reaches("x", v1::TASK_RUNNING));
  REQUIRE(reaches("y", v1::TASK_RUNNING));
  CHECK(containers().size() == 1);
  // 4 - 2 tasks - 0.5 for the one executor.
  REQUIRE(c.h.run_until([&] { return log.outstanding().size() == 1; }));
  CHECK(common::resources(log.outstanding().front().resources()).scalar("cpus") ==
        doctest::Approx(1.5));
  CHECK(lists_executor(log.outstanding().front(), "runner"));
  // Once both tasks end the executor exits and all 4 cpus are offered.
  c.on_framework("alpha", [](test::test_scheduler& s) {
    for (auto* id : {"x", "y"}) {
      v1::TaskID task;
      task.set_value(id);
      s.kill(task);
    }
  });
  REQUIRE(reaches("x", v1::TASK_KILLED));
  REQUIRE(reaches("y", v1::TASK_KILLED));
  REQUIRE(c.h.run_until([&] {
    double cpus = 0;
    for (auto& offer : log.outstanding())
      cpus += common::resources(offer.resources()).scalar("cpus");
    return cpus == doctest::Approx(4);
  }));
}
