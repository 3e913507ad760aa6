#include "actors/common/task_transitions.hpp"

#include "actors/common/task_states.hpp"

namespace mensa::common {

bool task_may_move(v1::TaskState from, v1::TaskState to) {
  if (from == to)
    return false;
  if (is_terminal(from))
    return false;
  switch (from) {
    case v1::TASK_UNREACHABLE:
    case v1::TASK_UNKNOWN:
    case v1::TASK_STAGING:
      return true;
    case v1::TASK_STARTING:
      return to != v1::TASK_STAGING;
    case v1::TASK_RUNNING:
      return to != v1::TASK_STAGING && to != v1::TASK_STARTING;
    case v1::TASK_KILLING:
      return is_terminal(to) || to == v1::TASK_UNREACHABLE;
    default:
      return false;
  }
}

state_move move_task(v1::TaskState& state, v1::TaskState to) {
  return move_state(state, to, task_may_move);
}

state_move move_task(v1::Task& task, v1::TaskState to) {
  auto state = task.state();
  auto moved = move_task(state, to);
  if (moved == state_move::applied)
    task.set_state(state);
  return moved;
}

}  // namespace mensa::common
