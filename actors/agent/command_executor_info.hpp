#pragma once

#include "mensa/v1/mensa.pb.h"

namespace mensa::agent {

/// Returns the executor that runs a command task: mensa's command executor,
/// one per task, with the task's ID as its executor ID (as in Mesos).
v1::ExecutorInfo make_command_executor_info(const v1::TaskInfo& task,
                                            const v1::FrameworkInfo& framework);

/// Returns whether `info` describes mensa's command executor.
bool is_command_executor(const v1::ExecutorInfo& info);

}  // namespace mensa::agent
