// The agent's restart: taking back what its checkpoint kept (its ID, the
// executors of frameworks that checkpoint, their tasks and unacknowledged
// updates), and reconciling with each executor that comes back.

#include <set>

#include "actors/agent/agent_process.hpp"
#include "actors/common/task_states.hpp"

namespace mensa::agent {

void agent_process::recover() {
  if (checkpoint_.dropped_bytes() > 0)
    log(runtime::log_level::warning,
        "the checkpoint's last operation was torn by a crash; dropped " +
            std::to_string(checkpoint_.dropped_bytes()) + " bytes");
  auto& kept = checkpoint_.agent_info();
  if (!kept)
    return;
  *info_.mutable_id() = kept->id();
  ever_registered_ = true;
  auto state = checkpoint_.snapshot();
  std::size_t executors = 0;
  std::vector<std::string> gone;
  for (auto& framework : state.frameworks()) {
    auto& record = executors_.arrive(framework.info().id().value());
    record.info = framework.info();
    for (auto& executor : framework.executors()) {
      if (!recover_executor(record, executor))
        gone.push_back(executor.container_id());
      ++executors;
    }
  }
  // They leave once the agent is registered again.
  for (auto& update : state.updates())
    updates_.update(update);
  log(runtime::log_level::info,
      "recovered agent " + info_.id().value() +
          " from its checkpoint: " + std::to_string(executors) + " executors, " +
          std::to_string(state.updates_size()) + " unacknowledged updates");
  for (auto& container_id : gone)
    container_ended(
        {container_id, 0, "its process was gone when the agent restarted", false});
}

bool agent_process::recover_executor(agent_framework& framework,
                                     const internal::CheckpointedExecutor& kept) {
  auto framework_id = framework.info.id().value();
  auto executor_id = kept.info().executor_id().value();
  // A new record, taken back from the checkpoint: it begins recovering.
  auto& executor = executors_.add(framework, kept.info(), kept.container_id(),
                                  kept.sandbox(), executor_state::recovering);
  for (auto& task : kept.tasks())
    executor.launched[task.task_id().value()] = task;
  executor.recovered_groups = {kept.groups().begin(), kept.groups().end()};
  auto recovered = containerizer_->recover(
      kept.container_id(), container_process{kept.pid(), kept.start_time()});
  if (!recovered) {
    log(runtime::log_level::warning,
        "executor " + executor_id + " of framework " + framework_id +
            " did not survive: " + recovered.error().message);
    return false;
  }
  auto container_id = kept.container_id();
  executor.registration_timer = start_timer(
      options_.executor_reregistration_timeout,
      [this, framework_id, executor_id, container_id] {
        auto [f, e] = executors_.find(framework_id, executor_id);
        if (e == nullptr || e->container_id != container_id ||
            e->state != executor_state::recovering)
          return;
        e->registration_timer.forget();
        log(runtime::log_level::warning,
            "executor " + executor_id + " of framework " + framework_id +
                " did not subscribe again after the agent restarted; killing it");
        end_tasks(*f, *e, v1::TASK_LOST,
                  v1::TaskStatus::REASON_EXECUTOR_REREGISTRATION_TIMEOUT,
                  "the executor did not reconnect after the agent restarted");
        containerizer_->destroy(container_id);
      });
  return true;
}

// What the executor says it runs decides: a group it never received (the
// agent restarted before giving it) is given now; a task it does not know
// otherwise is lost.
void agent_process::reconcile_recovered(
    agent_framework& framework, executor_record& executor,
    const v1::executor::Call::Subscribe& subscribe) {
  std::set<std::string> known;
  for (auto& task : subscribe.unacknowledged_tasks())
    known.insert(task.task_id().value());
  auto groups = std::move(executor.recovered_groups);
  executor.recovered_groups.clear();
  for (auto& group : groups) {
    bool untouched = true;
    for (auto& task : group.tasks()) {
      auto record = executor.launched.find(task.task_id().value());
      if (known.count(task.task_id().value()) > 0 ||
          (record != executor.launched.end() &&
           record->second.state() != v1::TASK_STAGING))
        untouched = false;
    }
    if (untouched) {
      executor.queued.push_back(group);
      for (auto& task : group.tasks())
        executor.launched.erase(task.task_id().value());
      continue;
    }
    for (auto& task : group.tasks()) {
      auto record = executor.launched.find(task.task_id().value());
      if (known.count(task.task_id().value()) > 0 ||
          record == executor.launched.end() ||
          common::is_terminal(record->second.state()))
        continue;
      end_task(framework, executor, record->second, v1::TASK_LOST,
               v1::TaskStatus::REASON_AGENT_RESTARTED,
               "the executor does not know the task after the agent restarted");
    }
  }
  for (auto& kill : executor.pending_kills)
    send_to_executor(executor, std::move(kill));
  executor.pending_kills.clear();
  log(runtime::log_level::info, "executor " + executor.info.executor_id().value() +
                                    " of framework " + framework.info.id().value() +
                                    " is back after the agent restarted");
}

}  // namespace mensa::agent
