// The master's tasks: status updates from agents to frameworks and
// acknowledgements back, kills, reconciliation, executor messages.

#include <algorithm>

#include "actors/common/status_update.hpp"
#include "actors/common/task_states.hpp"
#include "actors/common/task_status.hpp"
#include "actors/common/task_transitions.hpp"
#include "actors/master/master_process.hpp"

namespace mensa::master {

namespace {

constexpr std::size_t max_statuses_per_task = 10;

}  // namespace

void master_process::send_update(const framework_record& framework,
                                 v1::TaskStatus status) {
  v1::scheduler::Event event;
  event.set_type(v1::scheduler::Event::UPDATE);
  *event.mutable_update()->mutable_status() = std::move(status);
  send_event(framework, std::move(event));
}

void master_process::remember_completed(framework_record& framework,
                                        std::string task_id, task_record task) {
  count_ended(task.state);
  framework.completed_tasks.push_back({std::move(task_id), std::move(task)});
  while (framework.completed_tasks.size() > options_.max_completed_tasks_per_framework)
    framework.completed_tasks.pop_front();
}

void master_process::complete_task(framework_record& framework,
                                   const std::string& task_id) {
  auto i = framework.tasks.find(task_id);
  if (i == framework.tasks.end())
    return;
  auto& agent_id = i->second.agent();
  if (auto* agent = agents_.find(agent_id)) {
    agent->tasks.erase(framework.info.id().value(), task_id);
    if (agent->state == agent_state::registered)
      recover(framework.info.id().value(), agent_id, *i->second.resources,
              std::nullopt);
  }
  remember_completed(framework, task_id, std::move(i->second));
  framework.tasks.erase(i);
}

void master_process::lose_tasks(agent_record& agent, v1::TaskStatus::Reason reason,
                                const std::string& why, bool keep_checkpointed,
                                v1::TaskState aware_state) {
  for (auto& [framework_id, task_id] : agent.tasks.list()) {
    auto framework = frameworks_.find(framework_id);
    if (framework == frameworks_.end()) {
      agent.tasks.erase(framework_id, task_id);
      continue;
    }
    if (keep_checkpointed && framework->second.info.checkpoint())
      continue;
    agent.tasks.erase(framework_id, task_id);
    auto& f = framework->second;
    end_task(f, agent, task_id, f.partition_aware() ? aware_state : v1::TASK_LOST,
             reason, why);
  }
}

void master_process::end_task(framework_record& framework, const agent_record& agent,
                              const std::string& task_id, v1::TaskState state,
                              v1::TaskStatus::Reason reason, const std::string& why) {
  auto task = framework.tasks.find(task_id);
  if (task == framework.tasks.end())
    return;
  v1::TaskID id;
  id.set_value(task_id);
  auto status = common::make_status(id, state, v1::TaskStatus::SOURCE_MASTER, reason,
                                    wall_seconds(), why);
  *status.mutable_agent_id() = *agent.id;
  if (state == v1::TASK_UNREACHABLE)
    status.mutable_unreachable_time()->set_nanoseconds(now_nanoseconds());
  common::move_task(task->second.state, state);
  publish_task_updated(framework, status, task->second.state);
  send_update(framework, std::move(status));
  remember_completed(framework, task_id, std::move(task->second));
  framework.tasks.erase(task);
}

void master_process::on_status_update(const address& from,
                                      const internal::StatusUpdate& msg) {
  auto* agent = agent_at(from);
  if (agent == nullptr) {
    log(runtime::log_level::warning,
        "ignored a status update from " + from.str() + ", which is not an agent");
    return;
  }
  if (!common::names_an_update(msg.uuid())) {
    log(runtime::log_level::warning, "dropped a status update from " + from.str() +
                                         " whose uuid is not 16 bytes long");
    return;
  }
  auto framework = frameworks_.find(msg.framework_id().value());
  if (framework == frameworks_.end()) {
    // The framework is gone: the agent should stop trying.
    internal::ShutdownFramework shutdown;
    *shutdown.mutable_framework_id() = msg.framework_id();
    send(from, std::move(shutdown));
    return;
  }
  // Forwarded to the framework: moved out of the update when it is the
  // master's alone.
  auto* own = unshared_message<internal::StatusUpdate>();
  auto status = own != nullptr ? std::move(*own->mutable_status()) : msg.status();
  common::stamp_as_sent(status, msg, *agent->id);
  auto task = framework->second.tasks.find(status.task_id().value());
  // A retry or a duplicate of an update seen before goes to the framework
  // again (it may have missed it) but does not take the task back to an
  // older state.
  if (task != framework->second.tasks.end() && !task->second.seen(msg.uuid())) {
    auto& record = task->second;
    auto latest = msg.has_latest_state() ? msg.latest_state() : status.state();
    auto was = record.state;
    if (common::move_task(record.state, latest) == common::state_move::refused)
      log(runtime::log_level::warning, "kept task " + status.task_id().value() + " " +
                                           common::name_of(was) + ": an update from " +
                                           from.str() + " cannot move it to " +
                                           common::name_of(latest));
    record.has_status_update = true;
    record.status_update_state = status.state();
    record.has_status_update_uuid =
        to_uuid_bytes(msg.uuid(), record.status_update_uuid);
    if (record.statuses.size() == max_statuses_per_task)
      record.statuses.erase(record.statuses.begin());
    record.statuses.push_back(kept_status::of_update(status));
    // As Mesos: the operator hears of the update that changed the state.
    if (record.state != was)
      publish_task_updated(framework->second, status, record.state);
    if (common::is_terminal(record.state))
      complete_task(framework->second, status.task_id().value());
  }
  send_update(framework->second, std::move(status));
}

void master_process::acknowledge(framework_record& framework,
                                 const v1::scheduler::Call::Acknowledge& call) {
  auto* agent = registered_agent(call.agent_id().value());
  if (agent == nullptr) {
    log(runtime::log_level::info, "dropped an acknowledgement for agent " +
                                      call.agent_id().value() +
                                      ", which is not connected");
    return;
  }
  internal::StatusUpdateAcknowledgement ack;
  *ack.mutable_agent_id() = call.agent_id();
  *ack.mutable_framework_id() = framework.info.id();
  *ack.mutable_task_id() = call.task_id();
  ack.set_uuid(call.uuid());
  send(agent->process, std::move(ack));
}

void master_process::kill(framework_record& framework,
                          const v1::scheduler::Call::Kill& call) {
  auto task = framework.tasks.find(call.task_id().value());
  if (task == framework.tasks.end()) {
    auto state = framework.partition_aware() ? v1::TASK_UNKNOWN : v1::TASK_LOST;
    send_update(framework, common::make_status(
                               call.task_id(), state, v1::TaskStatus::SOURCE_MASTER,
                               v1::TaskStatus::REASON_TASK_UNKNOWN, wall_seconds(),
                               "the master does not know the task"));
    return;
  }
  auto* agent = registered_agent(task->second.agent());
  if (agent == nullptr)
    return;
  internal::KillTask kill;
  *kill.mutable_framework_id() = framework.info.id();
  *kill.mutable_task_id() = call.task_id();
  if (call.has_kill_policy())
    *kill.mutable_kill_policy() = call.kill_policy();
  send(agent->process, std::move(kill));
}

void master_process::reconcile(framework_record& framework,
                               const v1::scheduler::Call::Reconcile& call) {
  auto latest = [&](const std::string& task_id, const task_record& task) {
    v1::TaskID id;
    id.set_value(task_id);
    auto status =
        common::make_status(id, task.state, v1::TaskStatus::SOURCE_MASTER,
                            v1::TaskStatus::REASON_RECONCILIATION, wall_seconds(),
                            "reconciliation: the latest state");
    *status.mutable_agent_id() = *task.agent_id;
    return status;
  };
  if (call.tasks_size() == 0) {
    for (auto& [task_id, task] : framework.tasks)
      send_update(framework, latest(task_id, task));
    return;
  }
  bool aware = framework.partition_aware();
  for (auto& wanted : call.tasks()) {
    auto task = framework.tasks.find(wanted.task_id().value());
    if (task != framework.tasks.end()) {
      send_update(framework, latest(task->first, task->second));
      continue;
    }
    // Unknown task: what it became depends on what we know of its agent.
    v1::TaskState state = aware ? v1::TASK_UNKNOWN : v1::TASK_LOST;
    std::string why = "the task is unknown";
    if (wanted.has_agent_id()) {
      auto* agent = agents_.find(wanted.agent_id().value());
      // An agent still to reregister after a master restart will say what
      // it runs; until then the master does not know, and says nothing.
      if (agent != nullptr && agent->state == agent_state::recovering)
        continue;
      if (agent == nullptr && writer_.kept().gone(wanted.agent_id().value())) {
        state = aware ? v1::TASK_GONE_BY_OPERATOR : v1::TASK_LOST;
        why = "the task's agent was marked gone";
      } else if (agent != nullptr && agent->state == agent_state::registered) {
        state = aware ? v1::TASK_GONE : v1::TASK_LOST;
        why = "the task is unknown to its agent's master record";
      } else if (agent != nullptr) {
        state = aware ? v1::TASK_UNREACHABLE : v1::TASK_LOST;
        why = "the task's agent is unreachable";
      }
    }
    auto status =
        common::make_status(wanted.task_id(), state, v1::TaskStatus::SOURCE_MASTER,
                            v1::TaskStatus::REASON_RECONCILIATION, wall_seconds(), why);
    if (wanted.has_agent_id())
      *status.mutable_agent_id() = wanted.agent_id();
    send_update(framework, status);
  }
}

void master_process::message(framework_record& framework,
                             const v1::scheduler::Call::Message& call) {
  auto* agent = registered_agent(call.agent_id().value());
  if (agent == nullptr)
    return;
  internal::FrameworkToExecutor forward;
  *forward.mutable_agent_id() = call.agent_id();
  *forward.mutable_framework_id() = framework.info.id();
  *forward.mutable_executor_id() = call.executor_id();
  forward.set_data(call.data());
  send(agent->process, std::move(forward));
}

void master_process::shutdown_executor(framework_record& framework,
                                       const v1::scheduler::Call::Shutdown& call) {
  auto* agent = registered_agent(call.agent_id().value());
  if (agent == nullptr)
    return;
  internal::ShutdownExecutor shutdown;
  *shutdown.mutable_framework_id() = framework.info.id();
  *shutdown.mutable_executor_id() = call.executor_id();
  send(agent->process, std::move(shutdown));
}

void master_process::on_exited_executor(const address& from,
                                        const internal::ExitedExecutor& msg) {
  if (agent_at(from) == nullptr)
    return;
  auto framework = frameworks_.find(msg.framework_id().value());
  if (framework == frameworks_.end())
    return;
  // The executor's resources come back.
  auto agent_id = msg.agent_id().value();
  if (auto on_agent = framework->second.executors.find(agent_id);
      on_agent != framework->second.executors.end()) {
    if (auto gone = on_agent->second.extract(msg.executor_id().value()); !gone.empty())
      recover(framework->first, agent_id, gone.mapped(), std::nullopt);
    if (on_agent->second.empty())
      framework->second.executors.erase(on_agent);
  }
  v1::scheduler::Event event;
  event.set_type(v1::scheduler::Event::FAILURE);
  *event.mutable_failure()->mutable_agent_id() = msg.agent_id();
  *event.mutable_failure()->mutable_executor_id() = msg.executor_id();
  if (msg.has_status())
    event.mutable_failure()->set_status(msg.status());
  send_event(framework->second, std::move(event));
}

void master_process::on_executor_message(const address& from,
                                         const internal::ExecutorToFramework& msg) {
  if (agent_at(from) == nullptr)
    return;
  auto framework = frameworks_.find(msg.framework_id().value());
  if (framework == frameworks_.end())
    return;
  v1::scheduler::Event event;
  event.set_type(v1::scheduler::Event::MESSAGE);
  *event.mutable_message()->mutable_agent_id() = msg.agent_id();
  *event.mutable_message()->mutable_executor_id() = msg.executor_id();
  event.mutable_message()->set_data(msg.data());
  send_event(framework->second, std::move(event));
}

}  // namespace mensa::master
