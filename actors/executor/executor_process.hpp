#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mensa/v1/executor.pb.h"
#include "runtime/process.hpp"

namespace mensa::executor {

/// Who an executor is and where its agent is: what the agent passes to the
/// executors it launches (as MENSA_* environment variables for OS
/// processes).
struct executor_context {
  runtime::address agent;
  v1::FrameworkID framework_id;
  v1::ExecutorID executor_id;
  /// Wait between subscription attempts.
  runtime::duration resubscribe_interval = std::chrono::seconds(1);
  /// How long to keep trying to reach a lost agent before giving up.
  runtime::duration recovery_timeout = std::chrono::minutes(15);
};

/// The base of every executor, what Mesos's executor library is: it
/// subscribes to its agent (again after losing it), turns the agent's
/// events into callbacks, and sends status updates reliably: each is kept
/// until the agent acknowledges it and resent after a resubscription.
class executor_process : public runtime::process {
 public:
  executor_process(runtime::process_config& cfg, runtime::node& owner, address self,
                   executor_context context);

 protected:
  void on_start() final;
  void exited(const address& peer, const runtime::peer_exit& why) override;

  /// Called once subscribed (and after each resubscription).
  virtual void subscribed(const v1::executor::Event::Subscribed&) {}

  /// Launches a task; report it with `update`. The tasks of a group come
  /// one by one; when one of them ends other than FINISHED, the rest of its
  /// group is killed (as Mesos's default executor does).
  virtual void launch_task(const v1::TaskInfo& task) = 0;

  /// Kills a task, with `policy` overriding the task's if set; report the
  /// terminal state with `update`.
  virtual void kill(const v1::TaskID& task, const v1::KillPolicy* policy) = 0;

  /// The agent asks the executor to end: by default every live task is
  /// killed, and the executor exits once their updates are acknowledged.
  virtual void shutdown();

  /// Data the framework sent.
  virtual void message(const std::string&) {}

  /// The agent refused a call.
  virtual void error(const std::string& message);

  /// Every launched task has ended and the agent acknowledged it. By
  /// default nothing happens (custom executors may wait for more tasks).
  virtual void all_tasks_done() {}

  /// The agent is gone and the framework does not checkpoint, so no agent
  /// will recover this executor: by default it quits. Executors that run
  /// processes must end them here.
  virtual void agent_lost() { quit(); }

  /// Sends a task's status: source, executor, timestamp and a fresh uuid
  /// are filled in; it is resent until acknowledged.
  void update(v1::TaskStatus status);

  /// Sends data to the framework (unreliable).
  void send_message(std::string data);

  /// Returns the framework's description (once subscribed).
  const v1::FrameworkInfo& framework_info() const noexcept { return framework_; }

  /// Returns the executor's description (once subscribed): its `type`
  /// says whether it is a default executor, which runs many task groups.
  const v1::ExecutorInfo& executor_info() const noexcept { return executor_; }

  /// Returns whether the agent runs this executor as a default executor.
  bool is_default_executor() const noexcept {
    return executor_.type() == v1::ExecutorInfo::DEFAULT;
  }

  /// Returns who the executor is and where its agent is.
  const executor_context& identity() const noexcept { return context_; }

  /// Returns the tasks launched and not yet finished, by task ID.
  const std::map<std::string, v1::TaskInfo>& live_tasks() const noexcept {
    return live_;
  }

  /// Returns the seconds since the epoch on the runtime clock.

 private:
  bool reported_end(const std::string& task_id) const;

  void on_event(const address& from, const v1::executor::Event& event);
  void subscribe();
  void send_call(v1::executor::Call call);
  void check_done();
  void take_task(v1::TaskInfo task);
  void task_ended(const v1::TaskStatus& status);

  /// The tasks of one LAUNCH_GROUP that have not ended yet.
  struct task_group {
    std::set<std::string> running;
    bool killing = false;
  };

  executor_context context_;
  v1::FrameworkInfo framework_;
  v1::ExecutorInfo executor_;
  bool subscribed_ = false;
  bool shutting_down_ = false;
  runtime::time_point disconnected_since_{};
  std::map<std::string, v1::TaskInfo> live_;
  // In the order they were made: resent in that order, as Mesos's executor
  // library does, so that no task is heard to end before it ran.
  std::vector<v1::executor::Call::Update> unacknowledged_;
  std::map<uint64_t, task_group> groups_;
  std::map<std::string, uint64_t> group_of_;
  uint64_t next_group_ = 0;
};

}  // namespace mensa::executor
