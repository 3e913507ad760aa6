#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>
#include <string>

#include "actors/agent/agent_options.hpp"
#include "actors/agent/checkpoint.hpp"
#include "actors/agent/containerizer.hpp"
#include "actors/agent/executor_table.hpp"
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
  const executor_table::frameworks_by_id& frameworks() const noexcept {
    return executors_.frameworks();
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
  /// The frameworks and executors here; the info of frameworks that left
  /// while their last updates are on their way (a reregistration names
  /// the frameworks of those updates).
  executor_table executors_;
};

}  // namespace mensa::agent
