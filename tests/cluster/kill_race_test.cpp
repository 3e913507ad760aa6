// Kills that cross a task's end: the end stays the task's last word.

#include <doctest/doctest.h>

#include <algorithm>

#include "tests/cluster/running_task.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using test::running_task;

namespace {

// Task t1 ends by itself 5 s after it started; it is running.
struct ending_task : running_task {
  ending_task() : running_task(test::make_framework("alpha"), {}, "sleep 5") {
    REQUIRE(reaches(v1::TASK_RUNNING));
  }

  std::size_t count_of(v1::TaskState state) const {
    auto states = log.states_of("t1");
    return static_cast<std::size_t>(std::count(states.begin(), states.end(), state));
  }
};

}  // namespace

TEST_CASE_FIXTURE(
    ending_task, "a kill that reaches a task after it ended leaves its end as it was") {
  // The task's end reaches the agent late; a kill crosses it.
  auto finished =
      c.h.hold_next<v1::executor::Call>(runtime::testing::anyone, c.agents[0]);
  REQUIRE(c.h.run_until([&] { return finished.ready(); }));
  CHECK(finished.get().type() == v1::executor::Call::UPDATE);
  kill();
  c.h.settle();
  CHECK(finished.release());
  c.h.advance(10s);
  CHECK(log.states_of("t1").back() == v1::TASK_FINISHED);
  CHECK(count_of(v1::TASK_KILLED) == 0);
}

TEST_CASE_FIXTURE(ending_task,
                  "a kill after a task's end reached the agent, unacknowledged, is not "
                  "LOST") {
  // The agent has the task's end and its executor ended, the master not
  // yet: the master still sees the task running and passes a kill on.
  auto updates = c.h.drop_all<internal::StatusUpdate>(c.agents[0], c.master_address);
  auto exited =
      c.h.expect_next<internal::ExitedExecutor>(c.agents[0], c.master_address);
  REQUIRE(c.h.run_until([&] { return updates.ready() && exited.ready(); }, 60s));
  REQUIRE(updates.get().status().state() == v1::TASK_FINISHED);
  auto kill_task = c.h.expect_next<internal::KillTask>(c.master_address, c.agents[0]);
  kill();
  REQUIRE(c.h.run_until([&] { return kill_task.ready(); }));
  c.h.settle();
  // The agent does not add a TASK_LOST behind the end it still sends.
  auto framework_id = log.offers().front().framework_id().value();
  c.inspect_agent(0, [&](agent::agent_process& a) {
    auto pending = a.updates().unacknowledged(framework_id, "t1");
    REQUIRE(pending.size() == 1);
    CHECK(pending.front().status().state() == v1::TASK_FINISHED);
  });
  updates.cancel();
  // The end, resent, is the task's last word.
  REQUIRE(c.h.run_until([&] { return log.states_of("t1").back() == v1::TASK_FINISHED; },
                        60s));
  CHECK(count_of(v1::TASK_LOST) == 0);
}
