#pragma once

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "actors/master/framework_record.hpp"
#include "actors/master/task_record.hpp"
#include "mensa/v1/master.pb.h"

namespace mensa::master {

/// Appends one framework's tasks to `out` as GET_TASKS lists them: `live`
/// (task ID and record pairs) in `tasks`, or in `unreachable_tasks` when
/// `unreachable(agent_id)`, and `completed` (`ended_task`s). The one
/// description of task records, for the master's tables and for a copy.
template <class Live, class Completed, class Unreachable>
void describe_framework_tasks(const v1::FrameworkID& framework, const Live& live,
                              const Completed& completed,
                              const Unreachable& unreachable,
                              v1::master::Response::GetTasks& out) {
  for (auto& [task_id, task] : live) {
    auto* list = unreachable(task.agent()) ? out.mutable_unreachable_tasks()
                                           : out.mutable_tasks();
    *list->Add() = task.to_task(task_id, framework);
  }
  for (auto& ended : completed)
    *out.add_completed_tasks() = ended.record.to_task(ended.id, framework);
}

/// What the master copies of its state for a view rendered off its
/// thread: its compact task records (a few allocations each, against the
/// two dozen of a task's protobuf) and the smaller rest as the operator API
/// describes it. The tasks are described where the view is rendered.
struct state_snapshot {
  /// One framework's task records.
  struct framework_tasks {
    v1::FrameworkID id;
    std::vector<std::pair<std::string, task_record>> live;
    std::vector<ended_task> completed;
  };

  std::vector<framework_tasks> frameworks;
  /// The agents that are unreachable: their tasks are listed apart.
  std::unordered_set<std::string> unreachable_agents;
  /// GET_STATE without its tasks (executors, frameworks, agents).
  v1::master::Response::GetState rest;

  /// Writes the tasks as GET_TASKS lists them into `out`.
  void describe_tasks(v1::master::Response::GetTasks& out) const;

  /// Returns the whole state: `rest` with the tasks described (once; the
  /// records stay for a second call, which describes them again).
  v1::master::Response::GetState& describe();
};

}  // namespace mensa::master
