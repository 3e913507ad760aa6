#include "actors/agent/agent_process.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include "actors/common/command_executor.hpp"
#include "actors/common/status_update.hpp"
#include "actors/common/task_states.hpp"
#include "actors/common/task_status.hpp"
#include "actors/common/uuid.hpp"
#include "runtime/dispatch.hpp"
#include "runtime/node.hpp"

namespace mensa::agent {

namespace {

v1::Attribute parse_attribute(const std::string& item) {
  v1::Attribute attribute;
  auto colon = item.find(':');
  attribute.set_name(item.substr(0, colon));
  auto value = colon == std::string::npos ? std::string{} : item.substr(colon + 1);
  char* end = nullptr;
  double number = std::strtod(value.c_str(), &end);
  if (!value.empty() && end == value.c_str() + value.size()) {
    attribute.set_type(v1::Value::SCALAR);
    attribute.mutable_scalar()->set_value(number);
  } else {
    attribute.set_type(v1::Value::TEXT);
    attribute.mutable_text()->set_value(value);
  }
  return attribute;
}

}  // namespace

v1::AgentInfo agent_process::describe(const agent_options& options,
                                      const address& self) {
  v1::AgentInfo info;
  info.set_hostname(options.hostname.empty() ? std::string(self.host())
                                             : options.hostname);
  info.set_port(self.port());
  options.resources.copy_to(info.mutable_resources());
  for (auto& item : runtime::split_list(options.attributes, ';'))
    *info.add_attributes() = parse_attribute(item);
  return info;
}

agent_process::agent_process(runtime::process_config& cfg, runtime::node& owner,
                             address self, agent_options options, checkpoint kept)
    : process(cfg, owner, std::move(self)),
      options_(std::move(options)),
      registration_backoff_(options_.registration_backoff),
      checkpoint_(std::move(kept)),
      updates_(status_update_manager::environment{
                   [this](std::shared_ptr<const internal::StatusUpdate> update) {
                     if (registered_)
                       send(options_.master, runtime::message_ptr(std::move(update)));
                   },
                   [this](runtime::duration d, std::function<void()> fn) {
                     return delay(d, std::move(fn));
                   },
                   [this](runtime::timer_id id) { cancel(id); }},
               options_.status_update_backoff) {
  info_ = describe(options_, self_address());
}

void agent_process::on_start() {
  install(&agent_process::on_registered);
  install(&agent_process::on_reregistered);
  install(&agent_process::on_ping);
  install(&agent_process::on_shutdown_agent);
  install(&agent_process::on_run_task);
  install(&agent_process::on_run_task_group);
  install(&agent_process::on_kill_task);
  install(&agent_process::on_acknowledgement);
  install(&agent_process::on_shutdown_framework);
  install(&agent_process::on_update_framework);
  install(&agent_process::on_shutdown_executor);
  install(&agent_process::on_framework_message);
  install(&agent_process::on_executor_call);
  // Terminations reach us as messages; the containerizer may call from any
  // thread, and must not keep us alive.
  containerizer_ =
      options_.containerizer([self = weak_self()](container_termination ended) {
        self.dispatch<agent_process>(
            [ended](agent_process& a) { a.container_ended(ended); });
      });
  recover();
  register_with_master();
}

void agent_process::on_stop() {
  containerizer_.reset();
}

bool agent_process::from_master(const address& from) const {
  if (from == options_.master)
    return true;
  log(runtime::log_level::warning,
      "ignored a message from " + from.str() + ", which is not the master");
  return false;
}

// -- master -------------------------------------------------------------------

void agent_process::register_with_master() {
  // One attempt pending at a time: this one replaces any that was.
  registration_timer_.cancel();
  if (registered_ || options_.master.empty())
    return;
  link(options_.master);
  if (!ever_registered_) {
    internal::RegisterAgent msg;
    *msg.mutable_agent_info() = info_;
    msg.set_version(MENSA_VERSION);
    send(options_.master, std::move(msg));
  } else {
    internal::ReregisterAgent msg;
    *msg.mutable_agent_info() = info_;
    msg.set_version(MENSA_VERSION);
    std::set<std::pair<std::string, std::string>> reported;
    std::set<std::string> named;
    for (auto& [framework_id, framework] : executors_) {
      *msg.add_frameworks() = framework.info;
      named.insert(framework_id);
      for (auto& [executor_id, executor] : framework.executors) {
        *msg.add_executor_infos() = executor.info;
        for (auto& [task_id, task] : executor.launched) {
          *msg.add_tasks() = task;
          reported.insert({framework_id, task_id});
        }
      }
    }
    // Tasks whose executor is gone are still here while their last updates
    // are on their way.
    updates_.each_latest([&](const internal::StatusUpdate& update) {
      auto& framework_id = update.framework_id().value();
      auto& task_id = update.status().task_id().value();
      if (reported.count({framework_id, task_id}) > 0)
        return;
      if (auto* info = executors_.departed(framework_id);
          info != nullptr && named.insert(framework_id).second)
        *msg.add_frameworks() = *info;
      auto* task = msg.add_tasks();
      *task->mutable_task_id() = update.status().task_id();
      task->set_name(task_id);
      *task->mutable_framework_id() = update.framework_id();
      *task->mutable_executor_id() = update.executor_id();
      *task->mutable_agent_id() = info_.id();
      task->set_state(update.status().state());
    });
    send(options_.master, std::move(msg));
  }
  auto wait = registration_backoff_;
  registration_backoff_ =
      std::min<runtime::duration>(registration_backoff_ * 2, std::chrono::minutes(1));
  register_again_after(wait);
}

void agent_process::register_again_after(runtime::duration wait) {
  registration_timer_ = start_timer(wait, [this] { register_with_master(); });
}

void agent_process::reregister_soon() {
  registered_ = false;
  master_watchdog_.cancel();
  if (!ever_registered_) {
    register_with_master();
    return;
  }
  auto span = static_cast<uint64_t>(options_.registration_backoff.count());
  register_again_after(runtime::duration{static_cast<int64_t>(random() % (span + 1))});
}

void agent_process::follow_master(const address& master) {
  if (master == options_.master)
    return;
  log(runtime::log_level::info, master.empty()
                                    ? "no master leads; waiting for one"
                                    : "following the leading master " + master.str());
  if (!options_.master.empty())
    unlink(options_.master);
  options_.master = master;
  registration_backoff_ = options_.registration_backoff;
  reregister_soon();
}

void agent_process::on_registered(const address& from,
                                  const internal::AgentRegistered& msg) {
  if (!from_master(from) || registered_)
    return;
  *info_.mutable_id() = msg.agent_id();
  registered_ = true;
  ever_registered_ = true;
  // Unkept, a restart registers as a new agent (the master then ends this
  // one's tasks when it stays away); the agent runs on meanwhile.
  static_cast<void>(persist(checkpoint::registration(info_)));
  registration_backoff_ = options_.registration_backoff;
  watch_master();
  log(runtime::log_level::info,
      "registered with " + from.str() + " as agent " + msg.agent_id().value());
}

void agent_process::on_reregistered(const address& from,
                                    const internal::AgentReregistered& msg) {
  if (!from_master(from) || registered_)
    return;
  registered_ = true;
  registration_backoff_ = options_.registration_backoff;
  watch_master();
  updates_.flush();
  log(runtime::log_level::info,
      "reregistered with " + from.str() + " as agent " + msg.agent_id().value());
}

void agent_process::on_ping(const address& from, const internal::PingAgent&) {
  if (!from_master(from))
    return;
  send(from, internal::PongAgent{});
  if (registered_)
    watch_master();
}

void agent_process::watch_master() {
  master_watchdog_ = start_timer(options_.master_ping_timeout, [this] {
    master_watchdog_.forget();
    log(runtime::log_level::warning,
        "no ping from the master for a while; "
        "registering again");
    registered_ = false;
    register_with_master();
  });
}

void agent_process::on_shutdown_agent(const address& from,
                                      const internal::ShutdownAgent& msg) {
  if (!from_master(from))
    return;
  log(runtime::log_level::error, "the master shut this agent down: " + msg.message());
  // Restarted, it is a new agent.
  if (auto cleared = checkpoint_.clear(); !cleared)
    log(runtime::log_level::error,
        "cannot clear the checkpoint: " + cleared.error().message);
  for (auto& [id, framework] : executors_)
    for (auto& [executor_id, executor] : framework.executors)
      containerizer_->destroy(executor.container_id);
  quit();
}

void agent_process::exited(const address& peer, const runtime::peer_exit& why) {
  if (peer == options_.master) {
    if (registered_)
      log(runtime::log_level::warning, "lost the master (" +
                                           std::string(to_string(why.kind)) + ": " +
                                           why.detail + "); registering again");
    // Before the first registration the backoff's own timer goes on.
    if (ever_registered_)
      reregister_soon();
    return;
  }
  auto [framework, executor] = executors_.subscribed_at(peer);
  if (executor == nullptr)
    return;
  // The container's end is what counts; make sure it comes. An executor
  // whose tasks have all ended is on its way out: give it the grace period
  // to exit by itself.
  if (executor->has_live_tasks()) {
    containerizer_->destroy(executor->container_id);
  } else if (!executor->shutdown_timer.active()) {
    auto container_id = executor->container_id;
    executor->shutdown_timer =
        start_timer(options_.executor_shutdown_grace_period,
                    [this, container_id] { containerizer_->destroy(container_id); });
  }
}

// -- tasks --------------------------------------------------------------------

void label_sandbox(v1::TaskStatus& status, const std::string& sandbox) {
  if (sandbox.empty())
    return;
  auto* label = status.mutable_labels()->add_labels();
  label->set_key(sandbox_label);
  label->set_value(sandbox);
}

void agent_process::send_status(const v1::FrameworkID& framework,
                                const v1::ExecutorID& executor, v1::TaskStatus status) {
  if (auto [f, e] = executors_.find(framework.value(), executor.value()); e != nullptr)
    label_sandbox(status, e->task_sandbox(status.task_id().value()));
  status.set_uuid(common::make_uuid(random(), random()));
  queue_update(framework, executor, std::move(status));
}

runtime::expected<void> agent_process::persist(
    const internal::CheckpointOperation& op) {
  auto kept = checkpoint_.apply(op);
  if (!kept)
    log(runtime::log_level::error, "cannot checkpoint: " + kept.error().message);
  if (auto failed = checkpoint_.take_compaction_failure(); !failed.empty())
    log(runtime::log_level::warning, "cannot compact the checkpoint: " + failed);
  return kept;
}

bool agent_process::queue_update(const v1::FrameworkID& framework,
                                 const v1::ExecutorID& executor,
                                 v1::TaskStatus status) {
  auto update = common::wrap_status(framework, executor, info_.id(), std::move(status),
                                    wall_seconds());
  auto kept =
      persist_for(framework.value(), [&] { return checkpoint::update(update); });
  updates_.update(std::move(update));
  return kept.has_value();
}

void agent_process::fail_tasks(const v1::FrameworkID& framework,
                               const v1::ExecutorID& executor,
                               const v1::TaskGroupInfo& group, v1::TaskState state,
                               v1::TaskStatus::Reason reason, const std::string& why) {
  for (auto& task : group.tasks())
    send_status(framework, executor,
                common::make_status(task.task_id(), state, v1::TaskStatus::SOURCE_AGENT,
                                    reason, wall_seconds(), why));
}

void agent_process::report_executor_exited(const v1::FrameworkID& framework,
                                           const v1::ExecutorID& executor,
                                           std::optional<int> status) {
  if (!registered_)
    return;
  internal::ExitedExecutor exited;
  *exited.mutable_agent_id() = info_.id();
  *exited.mutable_framework_id() = framework;
  *exited.mutable_executor_id() = executor;
  if (status)
    exited.set_status(*status);
  send(options_.master, std::move(exited));
}

void agent_process::on_run_task(const address& from, const internal::RunTask& msg) {
  if (!from_master(from))
    return;
  auto& task = msg.task();
  v1::TaskGroupInfo group;
  *group.add_tasks() = task;
  run(msg.framework(),
      task.has_executor() ? task.executor()
                          : common::make_command_executor_info(task, msg.framework()),
      std::move(group));
}

void agent_process::on_run_task_group(const address& from,
                                      const internal::RunTaskGroup& msg) {
  if (!from_master(from))
    return;
  // The group moves on to the executor: taken from the message when it is
  // this agent's alone.
  if (auto* own = unshared_message<internal::RunTaskGroup>()) {
    run(msg.framework(), std::move(*own->mutable_executor()),
        std::move(*own->mutable_task_group()));
    return;
  }
  run(msg.framework(), msg.executor(), msg.task_group());
}

void agent_process::run(const v1::FrameworkInfo& framework_info, v1::ExecutorInfo info,
                        v1::TaskGroupInfo group) {
  auto framework_id = framework_info.id().value();
  auto& framework = executors_.arrive(framework_id);
  bool changed =
      framework_info.checkpoint() && framework.info.SerializePartialAsString() !=
                                         framework_info.SerializePartialAsString();
  framework.info = framework_info;
  *info.mutable_framework_id() = framework.info.id();
  auto executor_id = info.executor_id().value();
  auto [unused, executor] = executors_.find(framework_id, executor_id);
  if (changed) {
    // Without its framework a restarted agent could not take the tasks back.
    if (auto kept = persist(checkpoint::framework(framework.info)); !kept)
      return refuse_launch(
          framework, info, group, executor == nullptr,
          "the agent cannot checkpoint the framework: " + kept.error().message);
  }
  if (executor != nullptr && executor->state == executor_state::terminating) {
    // The agent itself ends an idle executor; the master did not know yet
    // and sent more: they run in a new run of the executor once it ended.
    if (executor->shut_down_idle) {
      executor->queued.push_back(std::move(group));
      return;
    }
    fail_tasks(framework.info.id(), info.executor_id(), group, v1::TASK_LOST,
               v1::TaskStatus::REASON_EXECUTOR_TERMINATED,
               "executor " + executor_id + " is shutting down");
    return;
  }
  if (executor == nullptr) {
    auto launched = launch_executor(framework, info);
    if (!launched)
      return refuse_launch(framework, info, group, true, launched.error().message);
    executor = *launched;
  }
  if (auto kept = persist_for(framework_id,
                              [&] {
                                return checkpoint::addition(framework.info.id(),
                                                            info.executor_id(), group);
                              });
      !kept) {
    refuse_launch(framework, info, group, false,
                  "the agent cannot checkpoint the tasks: " + kept.error().message);
    // An executor launched for them alone has nothing to run.
    if (!executor->has_live_tasks())
      shutdown_executor(framework, *executor);
    return;
  }
  if (executor->state == executor_state::running)
    launch_group(*executor, std::move(group));
  else
    executor->queued.push_back(std::move(group));
}

void agent_process::refuse_launch(agent_framework& framework,
                                  const v1::ExecutorInfo& info,
                                  const v1::TaskGroupInfo& group, bool executor_counted,
                                  const std::string& why) {
  log(runtime::log_level::warning,
      "cannot launch tasks on executor " + info.executor_id().value() + ": " + why);
  fail_tasks(framework.info.id(), info.executor_id(), group, v1::TASK_FAILED,
             v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED, why);
  if (!executor_counted)
    return;
  report_executor_exited(framework.info.id(), info.executor_id(), std::nullopt);
  executors_.forget_if_idle(framework.info.id().value());
}

void agent_process::on_kill_task(const address& from, const internal::KillTask& msg) {
  if (!from_master(from))
    return;
  auto* framework = executors_.find(msg.framework_id().value());
  auto task_id = msg.task_id().value();
  if (framework != nullptr) {
    for (auto& [executor_id, executor] : framework->executors) {
      // A queued task goes with its whole group (as the group would be
      // killed once running).
      auto group = std::find_if(
          executor.queued.begin(), executor.queued.end(), [&](const auto& queued) {
            return std::any_of(
                queued.tasks().begin(), queued.tasks().end(),
                [&](const auto& task) { return task.task_id().value() == task_id; });
          });
      if (group != executor.queued.end()) {
        fail_tasks(framework->info.id(), executor.info.executor_id(), *group,
                   v1::TASK_KILLED, v1::TaskStatus::REASON_TASK_KILLED_DURING_LAUNCH,
                   "killed before it launched");
        executor.queued.erase(group);
        if (executor.idle())
          shutdown_executor(*framework, executor);
        return;
      }
      if (executor.launched.count(task_id) > 0) {
        v1::executor::Event kill;
        kill.set_type(v1::executor::Event::KILL);
        *kill.mutable_kill()->mutable_task_id() = msg.task_id();
        if (msg.has_kill_policy())
          *kill.mutable_kill()->mutable_kill_policy() = msg.kill_policy();
        if (executor.state == executor_state::recovering)
          executor.pending_kills.push_back(std::move(kill));
        else
          send_to_executor(executor, std::move(kill));
        return;
      }
    }
  }
  // A task that ended here with its end not yet acknowledged is not
  // unknown: the end it reported is on its way, and stays its last word.
  auto* latest = updates_.latest(msg.framework_id().value(), task_id);
  if (latest != nullptr && common::is_terminal(latest->status().state()))
    return;
  v1::ExecutorID unknown;
  unknown.set_value(task_id);
  send_status(
      msg.framework_id(), unknown,
      common::make_status(msg.task_id(), v1::TASK_LOST, v1::TaskStatus::SOURCE_AGENT,
                          v1::TaskStatus::REASON_TASK_UNKNOWN, wall_seconds(),
                          "the agent does not know the task"));
}

void agent_process::on_acknowledgement(
    const address& from, const internal::StatusUpdateAcknowledgement& msg) {
  if (!from_master(from))
    return;
  auto acked = updates_.acknowledge(msg.framework_id().value(), msg.task_id().value(),
                                    msg.uuid());
  if (!acked)
    return;
  // Unkept, a restart sends the update again: a duplicate, which
  // frameworks take (Mesos's at-least-once).
  static_cast<void>(persist_for(msg.framework_id().value(), [&] {
    return checkpoint::acknowledgement(msg.framework_id().value(),
                                       msg.task_id().value(), msg.uuid());
  }));
  if (!common::is_terminal(acked->status().state()))
    return;
  auto [framework, executor] =
      executors_.find(msg.framework_id().value(), acked->executor_id().value());
  if (executor == nullptr)
    return;
  executor->launched.erase(msg.task_id().value());
  watch_idleness(*framework, *executor);
}

void agent_process::on_update_framework(const address& from,
                                        const internal::UpdateFramework& msg) {
  if (!from_master(from))
    return;
  auto& id = msg.framework_info().id().value();
  if (auto* departed = executors_.departed(id); departed != nullptr)
    *departed = msg.framework_info();
  if (auto* framework = executors_.find(id); framework != nullptr) {
    framework->info = msg.framework_info();
    // Unkept, a restart has the older info until the master sends it again.
    static_cast<void>(persist(checkpoint::framework(msg.framework_info())));
  }
  // Its scheduler is back: what it missed meanwhile need not wait for the
  // next retry.
  updates_.flush(id);
}

void agent_process::on_shutdown_framework(const address& from,
                                          const internal::ShutdownFramework& msg) {
  if (!from_master(from))
    return;
  auto* framework = executors_.find(msg.framework_id().value());
  updates_.remove_framework(msg.framework_id().value());
  executors_.forget_departed(msg.framework_id().value());
  // Unkept, a restart takes the framework's executors back, and the master,
  // which tore the framework down, has them shut down again.
  static_cast<void>(persist(checkpoint::removal(msg.framework_id())));
  if (framework == nullptr)
    return;
  for (auto& [executor_id, executor] : framework->executors) {
    executor.queued.clear();
    shutdown_executor(*framework, executor);
  }
}

void agent_process::on_shutdown_executor(const address& from,
                                         const internal::ShutdownExecutor& msg) {
  if (!from_master(from))
    return;
  auto [framework, executor] =
      executors_.find(msg.framework_id().value(), msg.executor_id().value());
  if (executor != nullptr)
    shutdown_executor(*framework, *executor);
}

void agent_process::on_framework_message(const address& from,
                                         const internal::FrameworkToExecutor& msg) {
  if (!from_master(from))
    return;
  auto [framework, executor] =
      executors_.find(msg.framework_id().value(), msg.executor_id().value());
  if (executor == nullptr || executor->state != executor_state::running)
    return;
  v1::executor::Event event;
  event.set_type(v1::executor::Event::MESSAGE);
  event.mutable_message()->set_data(msg.data());
  send_to_executor(*executor, std::move(event));
}

}  // namespace mensa::agent
