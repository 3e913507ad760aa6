#pragma once

#include "actors/common/state_machine.hpp"
#include "mensa/v1/mensa.pb.h"

namespace mensa::common {

/// Returns whether a task may go from `from` to `to` (not counting `from`
/// itself). The rules, as Mesos's: a terminal state (LOST among them) is
/// final; KILLING leads only to an end or to losing sight of the task
/// (UNREACHABLE); RUNNING does not go back to STAGING or STARTING;
/// UNREACHABLE and UNKNOWN may become anything, for the task may be back.
bool task_may_move(v1::TaskState from, v1::TaskState to);

/// The one place a task's state changes: moves `state` to `to` when
/// `task_may_move` allows it, and says what happened.
state_move move_task(v1::TaskState& state, v1::TaskState to);

/// Moves `task` to `to` as `move_task` does.
state_move move_task(v1::Task& task, v1::TaskState to);

}  // namespace mensa::common
