#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "actors/executor/executor_process.hpp"
#include "runtime/child_processes.hpp"

namespace mensa::executor {

/// mensa's command executor, the `mensa executor` program: runs its one
/// task's command (`/bin/sh -c` when `shell`, argv otherwise) as a child
/// process in its own process group, in the sandbox, with the command's
/// environment, stdout and stderr appended to the sandbox's `stdout` and
/// `stderr`. Reports STARTING, RUNNING, then FINISHED (exit 0), FAILED
/// (the exit code or signal in the message) or KILLED. A kill sends
/// SIGTERM to the task's group and SIGKILL after the kill policy's grace
/// period (3 s by default). Exits once the terminal update is acknowledged.
class command_executor : public executor_process {
 public:
  /// `environment` (entries `NAME=value`) is every task's base environment.
  command_executor(caf::actor_config& cfg, runtime::node& owner, address self,
                   executor_context context, runtime::child_processes& children,
                   std::string sandbox, std::vector<std::string> environment);

  /// Reports the end of the task's process (its exit callback lands here).
  void task_exited(const runtime::child_exit& how);

 protected:
  void launch_task(const v1::TaskInfo& task) override;
  void kill(const v1::TaskID& task, const v1::KillPolicy* policy) override;
  void all_tasks_done() override;
  void agent_lost() override;

 private:
  runtime::child_processes& children_;
  std::string sandbox_;
  std::vector<std::string> environment_;
  std::optional<v1::TaskInfo> task_;
  pid_t pid_ = -1;
  bool killed_ = false;
  runtime::timer_id escalation_ = 0;
};

}  // namespace mensa::executor
