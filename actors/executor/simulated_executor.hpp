#pragma once

#include <map>
#include <string>

#include "actors/executor/executor_process.hpp"

namespace mensa::executor {

/// A command executor that plays commands on the runtime clock instead of
/// running them, for whole-cluster tests on the deterministic harness (as
/// Mesos's TestContainerizer runs mock executors). It reports STARTING and
/// RUNNING, then reads the command:
///
/// - `true` or `exit 0`: FINISHED at once; `false` or `exit N`: FAILED;
/// - `sleep S`: FINISHED after S seconds of simulated time;
/// - anything else: runs until killed.
///
/// A kill ends a task at once (KILLING first if the framework can take
/// it), unless its command contains `ignore-term`: such a task ends only
/// when its kill policy's grace period has passed, as a SIGKILL would end
/// it. Like the real executors it exits once its task is done, unless it
/// runs as a default executor, which waits for more task groups.
class simulated_executor : public executor_process {
 public:
  using executor_process::executor_process;

 protected:
  void launch_task(const v1::TaskInfo& task) override;
  void kill(const v1::TaskID& task, const v1::KillPolicy* policy) override;
  void all_tasks_done() override;

 private:
  void finish(const v1::TaskID& task, v1::TaskState state, const std::string& message);

  std::map<std::string, runtime::timer> timers_;
  std::map<std::string, bool> ending_;
};

}  // namespace mensa::executor
