// The agent's executors: launching them through the containerizer, their
// subscription, their calls, shutting them down, and their end.

#include <algorithm>

#include "actors/agent/agent_process.hpp"
#include "actors/common/staging_task.hpp"
#include "actors/common/status_update.hpp"
#include "actors/common/task_states.hpp"
#include "actors/common/task_status.hpp"
#include "actors/common/task_transitions.hpp"
#include "actors/common/uuid.hpp"

namespace mensa::agent {

std::string agent_process::sandbox_of(const std::string& framework_id,
                                      const std::string& executor_id,
                                      const std::string& container_id) const {
  if (options_.work_dir.empty())
    return {};
  return options_.work_dir + "/agents/" + info_.id().value() + "/frameworks/" +
         framework_id + "/executors/" + executor_id + "/runs/" + container_id;
}

runtime::expected<executor_record*> agent_process::launch_executor(
    agent_framework& framework, const v1::ExecutorInfo& info) {
  auto framework_id = framework.info.id().value();
  auto executor_id = info.executor_id().value();
  container_spec spec;
  spec.container_id = common::format_uuid(common::make_uuid(random(), random()));
  spec.framework = framework.info;
  spec.executor = info;
  spec.sandbox = sandbox_of(framework_id, executor_id, spec.container_id);
  spec.agent = self_address();
  spec.environment["MENSA_AGENT_ADDRESS"] = self_address().str();
  spec.environment["MENSA_FRAMEWORK_ID"] = framework_id;
  spec.environment["MENSA_EXECUTOR_ID"] = executor_id;
  spec.environment["MENSA_CONTAINER_ID"] = spec.container_id;
  spec.environment["MENSA_SANDBOX_DIRECTORY"] = spec.sandbox;
  spec.environment["MENSA_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] =
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                         options_.executor_shutdown_grace_period)
                         .count()) +
      "ms";
  auto launched = containerizer_->launch(spec);
  if (!launched)
    return runtime::failure{"cannot launch executor " + executor_id + ": " +
                            launched.error().message};
  auto kept = persist_for(framework_id, [&] {
    internal::CheckpointedExecutor record;
    *record.mutable_info() = info;
    record.set_container_id(spec.container_id);
    record.set_sandbox(spec.sandbox);
    record.set_pid(launched->pid);
    record.set_start_time(launched->start_time);
    return checkpoint::launch(std::move(record));
  });
  if (!kept) {
    containerizer_->destroy(spec.container_id);
    return runtime::failure{"cannot checkpoint the launch of executor " + executor_id +
                            ": " + kept.error().message};
  }
  // A new record (no executor of that ID ran): it begins launching.
  auto& executor = executors_.add(framework, info, spec.container_id, spec.sandbox,
                                  executor_state::launching);
  auto container_id = spec.container_id;
  executor.registration_timer = start_timer(
      options_.executor_registration_timeout,
      [this, framework_id, executor_id, container_id] {
        auto [f, e] = executors_.find(framework_id, executor_id);
        if (e == nullptr || e->container_id != container_id ||
            e->state != executor_state::launching)
          return;
        e->registration_timer.forget();
        fail_queued_tasks(*f, *e, v1::TaskStatus::REASON_EXECUTOR_REGISTRATION_TIMEOUT,
                          "the executor did not subscribe in time");
        containerizer_->destroy(container_id);
      });
  log(runtime::log_level::info, "launched executor " + executor_id + " of framework " +
                                    framework_id + " in container " + container_id);
  return &executor;
}

void agent_process::launch_group(executor_record& executor, v1::TaskGroupInfo group) {
  for (auto& task : group.tasks()) {
    executor.launched[task.task_id().value()] = common::staging_task(
        task, executor.info.framework_id(), executor.info.executor_id(), info_.id());
  }
  if (executor.is_default()) {
    v1::executor::Event launch;
    launch.set_type(v1::executor::Event::LAUNCH_GROUP);
    *launch.mutable_launch_group()->mutable_task_group() = std::move(group);
    send_to_executor(executor, std::move(launch));
    return;
  }
  for (auto& task : group.tasks()) {
    v1::executor::Event launch;
    launch.set_type(v1::executor::Event::LAUNCH);
    *launch.mutable_launch()->mutable_task() = task;
    send_to_executor(executor, std::move(launch));
  }
}

void agent_process::watch_idleness(agent_framework& framework,
                                   executor_record& executor) {
  if (!executor.is_default() || executor.state != executor_state::running ||
      !executor.idle())
    return;
  executor.idle_since = now();
  if (!executor.idle_timer.active())
    check_idleness_in(options_.executor_idle_timeout, framework.info.id().value(),
                      executor);
}

void agent_process::check_idleness_in(runtime::duration d,
                                      const std::string& framework_id,
                                      executor_record& executor) {
  auto executor_id = executor.info.executor_id().value();
  auto container_id = executor.container_id;
  executor.idle_timer = start_timer(d, [this, framework_id, executor_id, container_id] {
    auto [f, e] = executors_.find(framework_id, executor_id);
    if (e == nullptr || e->container_id != container_id)
      return;
    e->idle_timer.forget();
    if (e->state != executor_state::running || !e->idle())
      return;
    auto idle_for = now() - e->idle_since;
    if (idle_for < options_.executor_idle_timeout) {
      check_idleness_in(options_.executor_idle_timeout - idle_for, framework_id, *e);
      return;
    }
    log(runtime::log_level::info,
        "executor " + executor_id + " of framework " + framework_id +
            " has been idle for the idle timeout; shutting it down");
    e->shut_down_idle = true;
    shutdown_executor(*f, *e);
  });
}

bool agent_process::move(executor_record& executor, executor_state to) {
  auto from = executor.state;
  if (common::move_state(executor.state, to, executor_may_move) !=
      common::state_move::refused)
    return true;
  log(runtime::log_level::warning, "refused to move executor " +
                                       executor.info.executor_id().value() + " from " +
                                       to_string(from) + " to " + to_string(to));
  return false;
}

void agent_process::send_to_executor(const executor_record& executor,
                                     v1::executor::Event event) {
  if (!executor.process.empty())
    send(executor.process, std::move(event));
}

void agent_process::fail_queued_tasks(agent_framework& framework,
                                      executor_record& executor,
                                      v1::TaskStatus::Reason reason,
                                      const std::string& why) {
  for (auto& group : executor.queued)
    fail_tasks(framework.info.id(), executor.info.executor_id(), group, v1::TASK_FAILED,
               reason, why);
  executor.queued.clear();
}

void agent_process::shutdown_executor(agent_framework& framework,
                                      executor_record& executor) {
  if (executor.state == executor_state::terminating)
    return;
  if (executor.state == executor_state::launching ||
      executor.state == executor_state::recovering) {
    fail_queued_tasks(framework, executor, v1::TaskStatus::REASON_EXECUTOR_TERMINATED,
                      "the executor was shut down before it subscribed");
    containerizer_->destroy(executor.container_id);
    return;
  }
  if (!move(executor, executor_state::terminating))
    return;
  v1::executor::Event shutdown;
  shutdown.set_type(v1::executor::Event::SHUTDOWN);
  send_to_executor(executor, std::move(shutdown));
  auto container_id = executor.container_id;
  executor.shutdown_timer =
      start_timer(options_.executor_shutdown_grace_period,
                  [this, container_id] { containerizer_->destroy(container_id); });
}

// -- executor calls -----------------------------------------------------------

void agent_process::on_executor_call(const address& from,
                                     const v1::executor::Call& call) {
  auto [framework, executor] =
      executors_.find(call.framework_id().value(), call.executor_id().value());
  auto refuse = [&](const std::string& why) {
    log(runtime::log_level::warning, "refused a call from " + from.str() + ": " + why);
    v1::executor::Event error;
    error.set_type(v1::executor::Event::ERROR);
    error.mutable_error()->set_message(why);
    send(from, std::move(error));
  };
  if (executor == nullptr) {
    refuse("executor " + call.executor_id().value() + " of framework " +
           call.framework_id().value() + " is not known here");
    return;
  }
  switch (call.type()) {
    case v1::executor::Call::SUBSCRIBE:
      subscribe_executor(from, *framework, *executor, call.subscribe());
      break;
    case v1::executor::Call::UPDATE:
      if (executor->process != from)
        return refuse("subscribe before sending updates");
      if (!call.has_update())
        return refuse("an UPDATE call needs 'update'");
      executor_update(*framework, *executor, call.update());
      break;
    case v1::executor::Call::MESSAGE: {
      if (executor->process != from || !call.has_message())
        return refuse("a MESSAGE call needs a subscribed executor and 'message'");
      internal::ExecutorToFramework forward;
      *forward.mutable_agent_id() = info_.id();
      *forward.mutable_framework_id() = framework->info.id();
      *forward.mutable_executor_id() = executor->info.executor_id();
      forward.set_data(call.message().data());
      if (registered_)
        send(options_.master, std::move(forward));
      break;
    }
    default:
      refuse("unsupported call type " + v1::executor::Call::Type_Name(call.type()));
  }
}

void agent_process::subscribe_executor(const address& from, agent_framework& framework,
                                       executor_record& executor,
                                       const v1::executor::Call::Subscribe& subscribe) {
  if (executor.state == executor_state::terminating) {
    v1::executor::Event shutdown;
    shutdown.set_type(v1::executor::Event::SHUTDOWN);
    send(from, std::move(shutdown));
    return;
  }
  bool recovered = executor.state == executor_state::recovering;
  if (!move(executor, executor_state::running))
    return;
  executors_.subscribed(executor, from);
  executor.registration_timer.cancel();
  link(from);
  v1::executor::Event subscribed;
  subscribed.set_type(v1::executor::Event::SUBSCRIBED);
  auto* body = subscribed.mutable_subscribed();
  *body->mutable_executor_info() = executor.info;
  *body->mutable_framework_info() = framework.info;
  *body->mutable_agent_info() = info_;
  body->mutable_container_id()->set_value(executor.container_id);
  send(from, std::move(subscribed));
  if (recovered)
    reconcile_recovered(framework, executor, subscribe);
  auto queued = std::move(executor.queued);
  executor.queued.clear();
  for (auto& group : queued)
    launch_group(executor, std::move(group));
}

void agent_process::executor_update(agent_framework& framework,
                                    executor_record& executor,
                                    const v1::executor::Call::Update& update) {
  if (!common::names_an_update(update.status().uuid())) {
    log(runtime::log_level::warning,
        "dropped an update without a 16-byte uuid from " + executor.process.str());
    return;
  }
  v1::executor::Event acknowledged;
  acknowledged.set_type(v1::executor::Event::ACKNOWLEDGED);
  *acknowledged.mutable_acknowledged()->mutable_task_id() = update.status().task_id();
  acknowledged.mutable_acknowledged()->set_uuid(update.status().uuid());
  auto* own = unshared_message<v1::executor::Call>();
  auto status = own != nullptr && &own->update() == &update
                    ? std::move(*own->mutable_update()->mutable_status())
                    : update.status();
  status.set_source(v1::TaskStatus::SOURCE_EXECUTOR);
  label_sandbox(status, executor.task_sandbox(status.task_id().value()));
  auto task = executor.launched.find(status.task_id().value());
  if (task != executor.launched.end()) {
    auto from = task->second.state();
    auto moved = common::move_task(task->second, status.state());
    // An update that would take the task back (RUNNING after its end,
    // from an executor resending out of order) or repeat its end is stale:
    // the framework has heard, or will hear, the newer one. The executor
    // may forget it.
    if (moved == common::state_move::refused ||
        (moved == common::state_move::repeated && common::is_terminal(from))) {
      log(runtime::log_level::warning,
          "dropped a stale update of task " + status.task_id().value() + " (" +
              common::name_of(status.state()) + " after " + common::name_of(from) +
              ") from " + executor.process.str());
      send_to_executor(executor, std::move(acknowledged));
      return;
    }
  }
  // The executor forgets what it was told is safe: only what the
  // checkpoint kept is.
  if (queue_update(framework.info.id(), executor.info.executor_id(), std::move(status)))
    send_to_executor(executor, std::move(acknowledged));
}

void agent_process::end_tasks(agent_framework& framework, executor_record& executor,
                              v1::TaskState state, v1::TaskStatus::Reason reason,
                              const std::string& why) {
  for (auto& [task_id, task] : executor.launched)
    if (!common::is_terminal(task.state()))
      end_task(framework, executor, task, state, reason, why);
}

void agent_process::end_task(agent_framework& framework, executor_record& executor,
                             v1::Task& task, v1::TaskState state,
                             v1::TaskStatus::Reason reason, const std::string& why) {
  if (common::move_task(task, state) == common::state_move::refused)
    return;
  send_status(framework.info.id(), executor.info.executor_id(),
              common::make_status(task.task_id(), state, v1::TaskStatus::SOURCE_AGENT,
                                  reason, wall_seconds(), why));
}

// -- the end of a container ---------------------------------------------------

void agent_process::container_ended(const container_termination& ended) {
  auto [framework, executor] = executors_.take_container(ended.container_id);
  if (executor == nullptr)
    return;
  auto framework_id = framework->info.id().value();
  auto executor_id = executor->info.executor_id().value();
  log(runtime::log_level::info, "executor " + executor_id + " of framework " +
                                    framework_id + " ended: " + ended.message);
  // Tasks sent while the agent ended an idle executor get a new run of it;
  // for the master the executor never left.
  std::vector<v1::TaskGroupInfo> relaunch_with;
  if (executor->shut_down_idle) {
    relaunch_with = std::move(executor->queued);
    executor->queued.clear();
  }
  // Without its exit status the agent cannot tell what became of the
  // tasks.
  end_tasks(*framework, *executor, ended.status_known ? v1::TASK_FAILED : v1::TASK_LOST,
            v1::TaskStatus::REASON_EXECUTOR_TERMINATED,
            "the executor ended: " + ended.message);
  fail_queued_tasks(*framework, *executor, v1::TaskStatus::REASON_EXECUTOR_TERMINATED,
                    "the executor ended before it subscribed: " + ended.message);
  for (auto* timer : {&executor->registration_timer, &executor->shutdown_timer,
                      &executor->idle_timer})
    timer->cancel();
  if (!executor->process.empty())
    unlink(executor->process);
  if (relaunch_with.empty())
    report_executor_exited(
        framework->info.id(), executor->info.executor_id(),
        ended.status_known ? std::optional<int>(ended.status) : std::nullopt);
  // Unkept, a restart finds the executor's process gone and ends it again.
  static_cast<void>(
      persist(checkpoint::end(framework_id, executor_id, ended.container_id)));
  auto info = executor->info;
  executors_.erase(*framework, executor_id);
  if (relaunch_with.empty()) {
    executors_.forget_if_idle(framework_id);
    return;
  }
  log(runtime::log_level::info, "launching executor " + executor_id + " of framework " +
                                    framework_id +
                                    " again for the tasks sent meanwhile");
  auto framework_info = framework->info;
  for (auto& group : relaunch_with)
    run(framework_info, info, std::move(group));
}

}  // namespace mensa::agent
