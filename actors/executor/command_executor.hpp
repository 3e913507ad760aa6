#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "actors/executor/executor_process.hpp"
#include "runtime/child_processes.hpp"

namespace mensa::executor {

/// The `mensa executor` program: runs command tasks (`/bin/sh -c` when
/// `shell`, argv otherwise), each as a child process in its own process
/// group, with the command's environment, stdout and stderr appended to
/// `stdout` and `stderr` in the task's sandbox. Reports STARTING, RUNNING,
/// then FINISHED (exit 0), FAILED (the exit code or signal in the message)
/// or KILLED. A kill sends SIGTERM to the task's group and SIGKILL after
/// the kill policy's grace period (3 s by default).
///
/// Run as a command executor it takes one task, whose sandbox is its own,
/// and exits once the terminal update is acknowledged. Run as a default
/// executor (ExecutorInfo type DEFAULT) it takes task groups for as long
/// as the agent keeps it, each task in `tasks/<task ID>` of its sandbox.
class command_executor : public executor_process {
 public:
  /// `environment` (entries `NAME=value`) is every task's base environment.
  command_executor(runtime::process_config& cfg, runtime::node& owner, address self,
                   executor_context context, runtime::child_processes& children,
                   std::string sandbox, std::vector<std::string> environment);

  /// Reports the end of a task's process (its exit callback lands here).
  void task_exited(const std::string& task_id, const runtime::child_exit& how);

 protected:
  void launch_task(const v1::TaskInfo& task) override;
  void kill(const v1::TaskID& task, const v1::KillPolicy* policy) override;
  void all_tasks_done() override;
  void agent_lost() override;

 private:
  /// A task whose process runs.
  struct running_task {
    v1::TaskInfo info;
    pid_t pid = -1;
    bool killed = false;
    runtime::timer escalation;
  };

  runtime::expected<std::string> sandbox_for(const v1::TaskInfo& task) const;

  runtime::child_processes& children_;
  std::string sandbox_;
  std::vector<std::string> environment_;
  std::map<std::string, running_task> running_;
  std::size_t launched_ = 0;
};

}  // namespace mensa::executor
