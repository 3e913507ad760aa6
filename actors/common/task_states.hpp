#pragma once

#include <string>
#include <vector>

#include "mensa/v1/mensa.pb.h"

namespace mensa::common {

/// Returns whether a task in `state` will not run again (FINISHED, FAILED,
/// KILLED, ERROR, DROPPED, GONE, GONE_BY_OPERATOR; and LOST, as Mesos treats
/// it for resources, though a reregistering agent may revive the task).
bool is_terminal(v1::TaskState state);

/// Returns the state's name, e.g. "TASK_RUNNING".
const std::string& name_of(v1::TaskState state);

/// Returns the framework's roles: `roles` with MULTI_ROLE, else `role`.
std::vector<std::string> roles_of(const v1::FrameworkInfo& info);

/// Returns whether the framework declared `capability`.
bool has_capability(const v1::FrameworkInfo& info,
                    v1::FrameworkInfo::Capability::Type capability);

}  // namespace mensa::common
