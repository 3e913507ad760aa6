#pragma once

#include "mensa/v1/mensa.pb.h"

namespace mensa::common {

/// Returns the record of a task just accepted (STAGING): what the master
/// and the agent keep of `task` while it lives.
v1::Task make_task_record(const v1::TaskInfo& task, const v1::FrameworkID& framework,
                          const v1::ExecutorID& executor, const v1::AgentID& agent);

}  // namespace mensa::common
