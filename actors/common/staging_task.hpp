#pragma once

#include "mensa/v1/mensa.pb.h"

namespace mensa::common {

/// Returns the `v1::Task` of a task just accepted (STAGING): what the agent
/// keeps and checkpoints of `task` while it lives (the master keeps a
/// compact `master::task_record`).
v1::Task staging_task(const v1::TaskInfo& task, const v1::FrameworkID& framework,
                      const v1::ExecutorID& executor, const v1::AgentID& agent);

}  // namespace mensa::common
