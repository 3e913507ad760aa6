#pragma once

#include "mensa/v1/mensa.pb.h"

namespace mensa::common {

/// Returns the executor ID of the command executor that runs task
/// `task_id`: the task's own ID, as in Mesos. The master records tasks
/// under it and the agent launches the executor with it.
v1::ExecutorID command_executor_id(const v1::TaskID& task_id);

/// Returns the executor that runs a command task: mensa's command executor,
/// one per task, with the task's ID as its executor ID (as in Mesos).
v1::ExecutorInfo make_command_executor_info(const v1::TaskInfo& task,
                                            const v1::FrameworkInfo& framework);

/// Returns whether `info` describes mensa's command executor.
bool is_command_executor(const v1::ExecutorInfo& info);

}  // namespace mensa::common
