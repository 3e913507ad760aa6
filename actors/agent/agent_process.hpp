#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>
#include <string>

#include "actors/agent/agent_options.hpp"
#include "actors/agent/checkpoint.hpp"
#include "actors/agent/containerizer.hpp"
#include "actors/agent/executor_state.hpp"
#include "actors/agent/status_update_manager.hpp"
#include "mensa/internal/cluster.pb.h"
#include "mensa/v1/executor.pb.h"
#include "runtime/process.hpp"

namespace mensa::agent {

/// The label the agent puts on status updates: the task's sandbox directory,
/// so a framework can point its user to the task's stdout and stderr.
inline constexpr const char* sandbox_label = "mensa.sandbox";

/// Adds the sandbox label to `status` (nothing for an empty sandbox).
void label_sandbox(v1::TaskStatus& status, const std::string& sandbox);

/// The agent's record of one executor run.
struct executor_record {
  v1::ExecutorInfo info;
  std::string container_id;
  std::string sandbox;
  executor_state state = executor_state::launching;
  /// The executor process, once subscribed.
  runtime::address process;
  /// Launches waiting for the executor to subscribe, in arrival order: a
  /// task group each for a default executor, one task each otherwise.
  /// While an executor shut down for idleness ends, the groups that arrive
  /// wait here for a new run of it.
  std::vector<v1::TaskGroupInfo> queued;
  /// Tasks given to the executor and not yet done, by task ID.
  std::map<std::string, v1::Task> launched;
  /// While recovering: the groups the checkpoint kept, to give again what
  /// the executor never received.
  std::vector<v1::TaskGroupInfo> recovered_groups;
  /// While recovering: kills to send once the executor is back.
  std::vector<v1::executor::Event> pending_kills;
  runtime::timer registration_timer;
  runtime::timer shutdown_timer;
  /// Armed when a default executor last had nothing to run; a launch
  /// does not cancel it (it finds the executor busy and does nothing).
  runtime::timer idle_timer;
  /// When a default executor last came to have nothing to run.
  runtime::time_point idle_since;
  /// Set when the agent shut the executor down because it was idle: the
  /// master may still send it tasks, which then get a new run of it.
  bool shut_down_idle = false;

  /// True while a task is queued or launched and not yet terminal.
  bool has_live_tasks() const;

  /// True when nothing is queued and every launched task's end was
  /// acknowledged.
  bool idle() const { return queued.empty() && launched.empty(); }

  /// Returns whether this is a default executor (it runs task groups).
  bool is_default() const { return info.type() == v1::ExecutorInfo::DEFAULT; }

  /// Returns the sandbox of one of its tasks: the executor's own, or
  /// `tasks/<task ID>` in it for a default executor.
  std::string task_sandbox(const std::string& task_id) const;
};

/// The agent's record of a framework with executors here.
struct agent_framework {
  v1::FrameworkInfo info;
  std::map<std::string, executor_record> executors;
};

/// The agent: registers with the master (and again after losing it), runs
/// tasks by launching executors through its containerizer, kills them by
/// their kill policy, and delivers their status updates reliably.
class agent_process : public runtime::process {
 public:
  /// An agent that keeps what must survive it in `kept` (nothing by
  /// default; `checkpoint::recover` gives a file-backed one), and takes
  /// back what `kept` holds when it starts.
  agent_process(runtime::process_config& cfg, runtime::node& owner, address self,
                agent_options options, checkpoint kept = {});

  /// Returns how an agent with `options` at `self` describes itself to
  /// the master (without an ID).
  static v1::AgentInfo describe(const agent_options& options, const address& self);

  /// Returns the ID the master assigned (empty until registered).
  const std::string& agent_id() const noexcept { return info_.id().value(); }

  /// Returns whether the agent is registered with a master now.
  bool registered() const noexcept { return registered_; }

  /// Returns the frameworks with executors here, by ID.
  const std::map<std::string, agent_framework>& frameworks() const noexcept {
    return frameworks_;
  }

  /// Returns the status update manager (for views and tests).
  const status_update_manager& updates() const noexcept { return updates_; }

  /// Registers with `master` from now on (the empty address: none leads,
  /// wait); what a `common::master_detector` tells the agent. Messages
  /// from the master it followed before are ignored.
  void follow_master(const address& master);

  /// Reports that a container ended (the containerizer's callback lands
  /// here, in the agent's own context).
  void container_ended(const container_termination& ended);

 protected:
  void on_start() override;
  void on_stop() override;
  void exited(const address& peer, const runtime::peer_exit& why) override;

 private:
  // -- master -----------------------------------------------------------------
  void register_with_master();
  /// Registers again after `wait`, unless registered by then.
  void register_again_after(runtime::duration wait);
  /// The master is gone or another leads: registers again at a random
  /// point of the backoff (agents that lost the master together spread
  /// their returns, as Mesos's do).
  void reregister_soon();
  void on_registered(const address& from, const internal::AgentRegistered& msg);
  void on_reregistered(const address& from, const internal::AgentReregistered& msg);
  void on_ping(const address& from, const internal::PingAgent& msg);
  void on_shutdown_agent(const address& from, const internal::ShutdownAgent& msg);
  void watch_master();
  bool from_master(const address& from) const;

  // -- tasks ------------------------------------------------------------------
  void on_run_task(const address& from, const internal::RunTask& msg);
  void on_run_task_group(const address& from, const internal::RunTaskGroup& msg);
  void run(const v1::FrameworkInfo& framework_info, v1::ExecutorInfo executor_info,
           v1::TaskGroupInfo group);
  void on_kill_task(const address& from, const internal::KillTask& msg);
  void on_acknowledgement(const address& from,
                          const internal::StatusUpdateAcknowledgement& msg);
  void on_shutdown_framework(const address& from,
                             const internal::ShutdownFramework& msg);
  void on_update_framework(const address& from, const internal::UpdateFramework& msg);
  void on_shutdown_executor(const address& from, const internal::ShutdownExecutor& msg);
  void on_framework_message(const address& from,
                            const internal::FrameworkToExecutor& msg);
  void send_status(const v1::FrameworkID& framework, const v1::ExecutorID& executor,
                   v1::TaskStatus status);
  void fail_tasks(const v1::FrameworkID& framework, const v1::ExecutorID& executor,
                  const v1::TaskGroupInfo& group, v1::TaskState state,
                  v1::TaskStatus::Reason reason, const std::string& why);
  /// Checkpoints the update and sends it reliably; returns false if it
  /// could not be checkpointed (it is sent all the same).
  bool queue_update(const v1::FrameworkID& framework, const v1::ExecutorID& executor,
                    v1::TaskStatus status);
  /// Keeps `op` in the checkpoint; logs and says why if it cannot. Each
  /// caller decides what a failure means: a launch fails, a lost record of
  /// an end or an acknowledgement is made up for after a restart.
  runtime::expected<void> persist(const internal::CheckpointOperation& op);
  /// Keeps the operation `build()` makes if the checkpoint keeps framework
  /// `framework_id`, and builds nothing otherwise (frameworks that do not
  /// checkpoint pay no copy on their hot path).
  template <class Build>
  runtime::expected<void> persist_for(const std::string& framework_id, Build build) {
    if (!checkpoint_.keeps(framework_id))
      return {};
    return persist(build());
  }
  /// Forgets framework `framework_id` if it has no executor left, keeping
  /// its info while its last updates are on their way.
  void forget_idle_framework(const std::string& framework_id);
  void report_executor_exited(const v1::FrameworkID& framework,
                              const v1::ExecutorID& executor,
                              std::optional<int> status);

  // -- executors --------------------------------------------------------------
  void on_executor_call(const address& from, const v1::executor::Call& call);
  void subscribe_executor(const address& from, agent_framework& framework,
                          executor_record& executor,
                          const v1::executor::Call::Subscribe& subscribe);
  /// Ends every live task of `executor` in `state`, reported by the agent.
  void end_tasks(agent_framework& framework, executor_record& executor,
                 v1::TaskState state, v1::TaskStatus::Reason reason,
                 const std::string& why);
  void end_task(agent_framework& framework, executor_record& executor, v1::Task& task,
                v1::TaskState state, v1::TaskStatus::Reason reason,
                const std::string& why);

  // -- recovery (recovery.cpp) ------------------------------------------------
  void recover();
  /// Takes back an executor; returns false if its container is gone.
  bool recover_executor(agent_framework& framework,
                        const internal::CheckpointedExecutor& kept);
  void reconcile_recovered(agent_framework& framework, executor_record& executor,
                           const v1::executor::Call::Subscribe& subscribe);
  void executor_update(agent_framework& framework, executor_record& executor,
                       const v1::executor::Call::Update& update);
  /// Launches an executor and keeps its launch in the checkpoint; a launch
  /// the checkpoint cannot keep is undone, for a restart would forget it.
  runtime::expected<executor_record*> launch_executor(agent_framework& framework,
                                                      const v1::ExecutorInfo& info);
  /// Fails the tasks of `group`, which cannot run; `executor_counted`: the
  /// master counted a new executor's resources, which come back.
  void refuse_launch(agent_framework& framework, const v1::ExecutorInfo& info,
                     const v1::TaskGroupInfo& group, bool executor_counted,
                     const std::string& why);
  void launch_group(executor_record& executor, v1::TaskGroupInfo group);
  void watch_idleness(agent_framework& framework, executor_record& executor);
  // Looks `d` from now whether the executor has been idle for the idle
  // timeout, and shuts it down if so.
  void check_idleness_in(runtime::duration d, const std::string& framework_id,
                         executor_record& executor);
  void send_to_executor(const executor_record& executor, v1::executor::Event event);
  /// The one place an executor's state changes after its record was made:
  /// moves it to `to` if `executor_may_move` allows; logs and refuses
  /// otherwise.
  bool move(executor_record& executor, executor_state to);
  void shutdown_executor(agent_framework& framework, executor_record& executor);
  void fail_queued_tasks(agent_framework& framework, executor_record& executor,
                         v1::TaskStatus::Reason reason, const std::string& why);
  std::string sandbox_of(const std::string& framework_id,
                         const std::string& executor_id,
                         const std::string& container_id) const;
  std::pair<agent_framework*, executor_record*> find_executor(
      const std::string& framework_id, const std::string& executor_id);

  agent_options options_;
  v1::AgentInfo info_;
  bool registered_ = false;
  bool ever_registered_ = false;
  runtime::duration registration_backoff_;
  runtime::timer master_watchdog_;
  runtime::timer registration_timer_;
  std::unique_ptr<containerizer> containerizer_;
  checkpoint checkpoint_;
  status_update_manager updates_;
  std::map<std::string, agent_framework> frameworks_;
  /// The info of frameworks that ran tasks here and have no executor left
  /// (so no entry in `frameworks_`): a reregistration names the frameworks
  /// of the updates still on their way.
  std::map<std::string, v1::FrameworkInfo> departed_frameworks_;
  std::map<std::string, std::pair<std::string, std::string>> executor_by_container_;
};

}  // namespace mensa::agent
