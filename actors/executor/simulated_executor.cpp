#include "actors/executor/simulated_executor.hpp"

#include <chrono>
#include <cstdlib>

#include "actors/common/framework_info.hpp"
#include "actors/common/task_states.hpp"
#include "actors/common/task_status.hpp"

namespace mensa::executor {

namespace {

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

void simulated_executor::launch_task(const v1::TaskInfo& task) {
  auto id = task.task_id();
  update(common::make_status(id, v1::TASK_STARTING, v1::TaskStatus::SOURCE_EXECUTOR,
                             wall_seconds()));
  update(common::make_status(id, v1::TASK_RUNNING, v1::TaskStatus::SOURCE_EXECUTOR,
                             wall_seconds()));
  auto command = task.command().value();
  if (command == "true" || command == "exit 0") {
    finish(id, v1::TASK_FINISHED, "Command exited with status 0");
  } else if (command == "false" || starts_with(command, "exit ")) {
    auto code = command == "false" ? 1 : std::atoi(command.c_str() + 5);
    finish(id, code == 0 ? v1::TASK_FINISHED : v1::TASK_FAILED,
           "Command exited with status " + std::to_string(code));
  } else if (starts_with(command, "sleep ")) {
    auto seconds = std::atof(command.c_str() + 6);
    timers_[id.value()] = start_timer(
        std::chrono::duration_cast<runtime::duration>(
            std::chrono::duration<double>(seconds)),
        [this, id] { finish(id, v1::TASK_FINISHED, "Command exited with status 0"); });
  }
}

void simulated_executor::kill(const v1::TaskID& task, const v1::KillPolicy* policy) {
  auto live = live_tasks().find(task.value());
  if (live == live_tasks().end() || ending_[task.value()])
    return;
  timers_.erase(task.value());
  if (common::has_capability(framework_info(),
                             v1::FrameworkInfo::Capability::TASK_KILLING_STATE))
    update(common::make_status(task, v1::TASK_KILLING, v1::TaskStatus::SOURCE_EXECUTOR,
                               wall_seconds()));
  auto& info = live->second;
  if (info.command().value().find("ignore-term") == std::string::npos) {
    finish(task, v1::TASK_KILLED, "Command terminated with signal SIGTERM");
    return;
  }
  // The process ignores SIGTERM: only SIGKILL, after the grace period, ends it.
  auto grace = policy != nullptr && policy->has_grace_period()
                   ? policy->grace_period().nanoseconds()
                   : (info.has_kill_policy() && info.kill_policy().has_grace_period()
                          ? info.kill_policy().grace_period().nanoseconds()
                          : int64_t{3'000'000'000});
  ending_[task.value()] = true;
  delay(runtime::duration(grace), [this, task] {
    finish(task, v1::TASK_KILLED, "Command terminated with signal SIGKILL");
  });
}

void simulated_executor::finish(const v1::TaskID& task, v1::TaskState state,
                                const std::string& message) {
  timers_.erase(task.value());
  update(common::make_status(task, state, v1::TaskStatus::SOURCE_EXECUTOR,
                             wall_seconds(), message));
}

void simulated_executor::all_tasks_done() {
  if (!is_default_executor())
    quit();
}

}  // namespace mensa::executor
