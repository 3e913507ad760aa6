#include "actors/executor/command_executor.hpp"

#include <signal.h>

#include <chrono>

#include "actors/common/command_info.hpp"
#include "actors/common/task_states.hpp"
#include "actors/common/task_status.hpp"
#include "runtime/dispatch.hpp"

namespace mensa::executor {

namespace {

constexpr int64_t default_grace_ns = 3'000'000'000;

}  // namespace

command_executor::command_executor(caf::actor_config& cfg, runtime::node& owner,
                                   address self, executor_context context,
                                   runtime::child_processes& children,
                                   std::string sandbox,
                                   std::vector<std::string> environment)
    : executor_process(cfg, owner, std::move(self), std::move(context)),
      children_(children),
      sandbox_(std::move(sandbox)),
      environment_(std::move(environment)) {}

void command_executor::launch_task(const v1::TaskInfo& task) {
  if (task_) {
    update(common::make_status(task.task_id(), v1::TASK_FAILED,
                               v1::TaskStatus::SOURCE_EXECUTOR, now_seconds(),
                               "the command executor runs one task only"));
    return;
  }
  task_ = task;
  update(common::make_status(task.task_id(), v1::TASK_STARTING,
                             v1::TaskStatus::SOURCE_EXECUTOR, now_seconds()));
  auto& command = task.command();
  runtime::child_spec child;
  child.argv = common::command_argv(command);
  child.environment = environment_;
  child.environment.push_back("MENSA_TASK_ID=" + task.task_id().value());
  common::append_environment(command, child.environment);
  child.working_directory = sandbox_;
  child.stdout_path = sandbox_.empty() ? "" : sandbox_ + "/stdout";
  child.stderr_path = sandbox_.empty() ? "" : sandbox_ + "/stderr";
  child.group = runtime::child_spec::grouping::new_group;
  auto self = caf::actor_cast<caf::actor_addr>(this);
  auto pid = children_.spawn(child, [self](pid_t, const runtime::child_exit& how) {
    if (auto executor = caf::actor_cast<caf::actor>(self))
      runtime::dispatch<command_executor>(
          executor, [how](command_executor& e) { e.task_exited(how); });
  });
  if (!pid) {
    update(common::make_status(task.task_id(), v1::TASK_FAILED,
                               v1::TaskStatus::SOURCE_EXECUTOR, now_seconds(),
                               pid.error().message));
    return;
  }
  pid_ = *pid;
  update(common::make_status(task.task_id(), v1::TASK_RUNNING,
                             v1::TaskStatus::SOURCE_EXECUTOR, now_seconds()));
}

void command_executor::kill(const v1::TaskID& task, const v1::KillPolicy* policy) {
  if (!task_ || task.value() != task_->task_id().value() || pid_ <= 0)
    return;
  auto grace = default_grace_ns;
  if (policy != nullptr && policy->has_grace_period())
    grace = policy->grace_period().nanoseconds();
  else if (task_->has_kill_policy() && task_->kill_policy().has_grace_period())
    grace = task_->kill_policy().grace_period().nanoseconds();
  if (!killed_) {
    killed_ = true;
    if (common::has_capability(framework_info(),
                               v1::FrameworkInfo::Capability::TASK_KILLING_STATE))
      update(common::make_status(task, v1::TASK_KILLING,
                                 v1::TaskStatus::SOURCE_EXECUTOR, now_seconds()));
    runtime::child_processes::signal_group(pid_, SIGTERM);
  } else if (escalation_ != 0) {
    // A second kill may shorten the grace period (e.g. to force it now).
    cancel(escalation_);
  }
  auto pid = pid_;
  escalation_ = delay(caf::timespan(std::max<int64_t>(grace, 0)),
                      [pid] { runtime::child_processes::signal_group(pid, SIGKILL); });
}

void command_executor::task_exited(const runtime::child_exit& how) {
  if (!task_)
    return;
  if (escalation_ != 0)
    cancel(escalation_);
  escalation_ = 0;
  pid_ = -1;
  v1::TaskState state;
  std::string message;
  if (killed_) {
    state = v1::TASK_KILLED;
    message = "Command " + how.describe();
  } else if (how.exited() && how.exit_code() == 0) {
    state = v1::TASK_FINISHED;
    message = "Command exited with status 0";
  } else {
    state = v1::TASK_FAILED;
    message = "Command " + how.describe();
  }
  update(common::make_status(task_->task_id(), state, v1::TaskStatus::SOURCE_EXECUTOR,
                             now_seconds(), message));
}

void command_executor::agent_lost() {
  if (pid_ > 0)
    runtime::child_processes::signal_group(pid_, SIGKILL);
  quit();
}

void command_executor::all_tasks_done() {
  quit();
}

}  // namespace mensa::executor
