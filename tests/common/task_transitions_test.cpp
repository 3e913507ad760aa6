// Every pair of task states against the table of moves a task may make:
// the rule that keeps a task that ended from running again.

#include "actors/common/task_transitions.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>

#include "actors/common/task_states.hpp"

using namespace mensa;
using common::state_move;

namespace {

const std::vector<v1::TaskState> all_states = {
    v1::TASK_STAGING,          v1::TASK_STARTING,    v1::TASK_RUNNING,
    v1::TASK_KILLING,          v1::TASK_FINISHED,    v1::TASK_FAILED,
    v1::TASK_KILLED,           v1::TASK_ERROR,       v1::TASK_LOST,
    v1::TASK_DROPPED,          v1::TASK_UNREACHABLE, v1::TASK_GONE,
    v1::TASK_GONE_BY_OPERATOR, v1::TASK_UNKNOWN};

std::set<v1::TaskState> all_but(std::set<v1::TaskState> excluded) {
  std::set<v1::TaskState> result;
  for (auto s : all_states)
    if (excluded.count(s) == 0)
      result.insert(s);
  return result;
}

std::set<v1::TaskState> terminal_and(std::set<v1::TaskState> more) {
  for (auto s : all_states)
    if (common::is_terminal(s))
      more.insert(s);
  return more;
}

// Where each state may lead (itself left out: that is a repeat).
const std::map<v1::TaskState, std::set<v1::TaskState>> allowed = {
    {v1::TASK_STAGING, all_but({v1::TASK_STAGING})},
    {v1::TASK_STARTING, all_but({v1::TASK_STAGING, v1::TASK_STARTING})},
    {v1::TASK_RUNNING,
     all_but({v1::TASK_STAGING, v1::TASK_STARTING, v1::TASK_RUNNING})},
    {v1::TASK_KILLING, terminal_and({v1::TASK_UNREACHABLE})},
    {v1::TASK_UNREACHABLE, all_but({v1::TASK_UNREACHABLE})},
    {v1::TASK_UNKNOWN, all_but({v1::TASK_UNKNOWN})},
};

}  // namespace

TEST_CASE("every move between task states is allowed or refused as the table says") {
  for (auto from : all_states) {
    for (auto to : all_states) {
      CAPTURE(common::name_of(from));
      CAPTURE(common::name_of(to));
      auto row = allowed.find(from);
      bool expected = row != allowed.end() && row->second.count(to) > 0;
      CHECK(common::task_may_move(from, to) == expected);
      auto state = from;
      auto moved = common::move_task(state, to);
      if (from == to) {
        CHECK(moved == state_move::repeated);
      } else if (expected) {
        CHECK(moved == state_move::applied);
        CHECK(state == to);
      } else {
        CHECK(moved == state_move::refused);
        CHECK(state == from);
      }
    }
  }
}

TEST_CASE("a task that ended never runs again, whatever update comes late") {
  for (auto end : all_states) {
    if (!common::is_terminal(end))
      continue;
    v1::Task task;
    task.set_state(end);
    for (auto later : {v1::TASK_STAGING, v1::TASK_STARTING, v1::TASK_RUNNING,
                       v1::TASK_KILLING, v1::TASK_FINISHED, v1::TASK_LOST})
      if (later != end)
        CHECK(common::move_task(task, later) == state_move::refused);
    CHECK(task.state() == end);
  }
}
