#include "actors/executor/command_executor.hpp"

#include <signal.h>

#include <chrono>
#include <filesystem>

#include "actors/common/command_info.hpp"
#include "actors/common/framework_info.hpp"
#include "actors/common/task_states.hpp"
#include "actors/common/task_status.hpp"
#include "runtime/dispatch.hpp"

namespace mensa::executor {

namespace {

constexpr int64_t default_grace_ns = 3'000'000'000;

}  // namespace

command_executor::command_executor(runtime::process_config& cfg, runtime::node& owner,
                                   address self, executor_context context,
                                   runtime::child_processes& children,
                                   std::string sandbox,
                                   std::vector<std::string> environment)
    : executor_process(cfg, owner, std::move(self), std::move(context)),
      children_(children),
      sandbox_(std::move(sandbox)),
      environment_(std::move(environment)) {}

runtime::expected<std::string> command_executor::sandbox_for(
    const v1::TaskInfo& task) const {
  if (!is_default_executor() || sandbox_.empty())
    return sandbox_;
  auto path = sandbox_ + "/tasks/" + task.task_id().value();
  std::error_code failed;
  std::filesystem::create_directories(path, failed);
  if (failed)
    return runtime::failure{"cannot create the task's sandbox " + path + ": " +
                            failed.message()};
  return path;
}

void command_executor::launch_task(const v1::TaskInfo& task) {
  auto fail = [&](const std::string& why) {
    update(common::make_status(task.task_id(), v1::TASK_FAILED,
                               v1::TaskStatus::SOURCE_EXECUTOR, wall_seconds(), why));
  };
  if (!is_default_executor() && launched_ > 0)
    return fail("the command executor runs one task only");
  if (running_.count(task.task_id().value()) > 0)
    return fail("task " + task.task_id().value() + " runs here already");
  ++launched_;
  update(common::make_status(task.task_id(), v1::TASK_STARTING,
                             v1::TaskStatus::SOURCE_EXECUTOR, wall_seconds()));
  auto sandbox = sandbox_for(task);
  if (!sandbox)
    return fail(sandbox.error().message);
  auto& command = task.command();
  runtime::child_spec child;
  child.argv = common::command_argv(command);
  child.environment = environment_;
  child.environment.push_back("MENSA_TASK_ID=" + task.task_id().value());
  if (!sandbox->empty()) {
    child.environment.push_back("MENSA_SANDBOX_DIRECTORY=" + *sandbox);
    child.environment.push_back("MESOS_SANDBOX=" + *sandbox);
  }
  common::append_environment(command, child.environment);
  child.working_directory = *sandbox;
  child.stdout_path = sandbox->empty() ? "" : *sandbox + "/stdout";
  child.stderr_path = sandbox->empty() ? "" : *sandbox + "/stderr";
  child.group = runtime::child_spec::grouping::new_group;
  auto id = task.task_id().value();
  auto pid = children_.spawn(
      child, [self = weak_self(), id](pid_t, const runtime::child_exit& how) {
        self.dispatch<command_executor>(
            [id, how](command_executor& e) { e.task_exited(id, how); });
      });
  if (!pid)
    return fail(pid.error().message);
  auto& entry = running_[id];
  entry.info = task;
  entry.pid = *pid;
  update(common::make_status(task.task_id(), v1::TASK_RUNNING,
                             v1::TaskStatus::SOURCE_EXECUTOR, wall_seconds()));
}

void command_executor::kill(const v1::TaskID& task, const v1::KillPolicy* policy) {
  auto i = running_.find(task.value());
  if (i == running_.end())
    return;
  auto& entry = i->second;
  auto grace = default_grace_ns;
  if (policy != nullptr && policy->has_grace_period())
    grace = policy->grace_period().nanoseconds();
  else if (entry.info.has_kill_policy() && entry.info.kill_policy().has_grace_period())
    grace = entry.info.kill_policy().grace_period().nanoseconds();
  if (!entry.killed) {
    entry.killed = true;
    if (common::has_capability(framework_info(),
                               v1::FrameworkInfo::Capability::TASK_KILLING_STATE))
      update(common::make_status(task, v1::TASK_KILLING,
                                 v1::TaskStatus::SOURCE_EXECUTOR, wall_seconds()));
    runtime::child_processes::signal_group(entry.pid, SIGTERM);
  }
  // A second kill may shorten the grace period (e.g. to force it now): the
  // new timer replaces the one pending.
  auto pid = entry.pid;
  entry.escalation = start_timer(runtime::duration(std::max<int64_t>(grace, 0)), [pid] {
    runtime::child_processes::signal_group(pid, SIGKILL);
  });
}

void command_executor::task_exited(const std::string& task_id,
                                   const runtime::child_exit& how) {
  auto i = running_.find(task_id);
  if (i == running_.end())
    return;
  auto entry = std::move(i->second);
  running_.erase(i);
  entry.escalation.cancel();
  v1::TaskState state;
  std::string message;
  if (entry.killed) {
    state = v1::TASK_KILLED;
    message = "Command " + how.describe();
  } else if (how.exited() && how.exit_code() == 0) {
    state = v1::TASK_FINISHED;
    message = "Command exited with status 0";
  } else {
    state = v1::TASK_FAILED;
    message = "Command " + how.describe();
  }
  update(common::make_status(entry.info.task_id(), state,
                             v1::TaskStatus::SOURCE_EXECUTOR, wall_seconds(), message));
}

void command_executor::agent_lost() {
  for (auto& [task_id, entry] : running_)
    runtime::child_processes::signal_group(entry.pid, SIGKILL);
  quit();
}

void command_executor::all_tasks_done() {
  if (!is_default_executor())
    quit();
}

}  // namespace mensa::executor
