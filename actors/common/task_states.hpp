#pragma once

#include <string>

#include "mensa/v1/mensa.pb.h"

namespace mensa::common {

/// Returns whether a task in `state` will not run again (FINISHED, FAILED,
/// KILLED, ERROR, DROPPED, GONE, GONE_BY_OPERATOR; and LOST, as Mesos treats
/// it for resources, though a reregistering agent may revive the task).
bool is_terminal(v1::TaskState state);

/// Returns the state's name, e.g. "TASK_RUNNING".
const std::string& name_of(v1::TaskState state);

}  // namespace mensa::common
