#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/agent/executor_state.hpp"
#include "mensa/v1/executor.pb.h"
#include "mensa/v1/mensa.pb.h"
#include "runtime/address.hpp"
#include "runtime/time.hpp"
#include "runtime/timer.hpp"

namespace mensa::agent {

/// The agent's record of one executor run.
struct executor_record {
  v1::ExecutorInfo info;
  std::string container_id;
  std::string sandbox;
  executor_state state = executor_state::launching;
  /// The executor process, once subscribed (set by
  /// `executor_table::subscribed`).
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

/// The agent's executors: a record per framework with executors here and
/// per executor run, found by IDs, by the container each runs in and by
/// the process each subscribed from; and the info of frameworks that left
/// while their last updates are on their way. Records stay put while others
/// come and go, so a reference to one stays good until it is erased. Plain
/// C++, owned by the agent actor.
class executor_table {
 public:
  using frameworks_by_id = std::map<std::string, agent_framework>;
  /// What a lookup finds: the framework (null if not here) and the
  /// executor (null if not here).
  using found = std::pair<agent_framework*, executor_record*>;

  /// Returns framework `framework_id`'s record, a new one (without info)
  /// if there was none; a framework that comes back is no longer departed.
  agent_framework& arrive(const std::string& framework_id);

  /// Returns framework `framework_id`'s record, or null.
  agent_framework* find(const std::string& framework_id);

  /// Returns executor `executor_id` of framework `framework_id`.
  found find(const std::string& framework_id, const std::string& executor_id);

  /// Records a run of executor `info` of `framework` in container
  /// `container_id` in `state`; returns its record.
  executor_record& add(agent_framework& framework, const v1::ExecutorInfo& info,
                       const std::string& container_id, const std::string& sandbox,
                       executor_state state);

  /// Returns the executor that runs in container `container_id` and
  /// forgets the container: it ended. Null executor when no run recorded
  /// here is in that container any more.
  found take_container(const std::string& container_id);

  /// The executor subscribed from `process`.
  void subscribed(executor_record& executor, runtime::address process);

  /// Returns the executor subscribed from `process`, or nulls.
  found subscribed_at(const runtime::address& process);

  /// Forgets the run of executor `executor_id` of `framework` (its
  /// container ended); the framework stays, if empty, until
  /// `forget_if_idle`.
  void erase(agent_framework& framework, const std::string& executor_id);

  /// Forgets framework `framework_id` if it has no executor left, keeping
  /// its info among the departed; returns whether it did.
  bool forget_if_idle(const std::string& framework_id);

  /// Returns the info of framework `framework_id` if it departed, or null.
  v1::FrameworkInfo* departed(const std::string& framework_id);

  /// Forgets that framework `framework_id` departed (it was shut down).
  void forget_departed(const std::string& framework_id);

  /// Returns every framework with executors here, by ID.
  const frameworks_by_id& frameworks() const noexcept { return frameworks_; }

  frameworks_by_id::iterator begin() noexcept { return frameworks_.begin(); }
  frameworks_by_id::iterator end() noexcept { return frameworks_.end(); }

 private:
  using ids = std::pair<std::string, std::string>;

  frameworks_by_id frameworks_;
  std::map<std::string, v1::FrameworkInfo> departed_;
  /// (framework ID, executor ID) by container ID.
  std::map<std::string, ids> by_container_;
  /// (framework ID, executor ID) by the process the executor subscribed
  /// from.
  std::unordered_map<runtime::address, ids> by_process_;
};

}  // namespace mensa::agent
