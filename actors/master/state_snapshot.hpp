#pragma once

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "actors/master/framework_record.hpp"
#include "actors/master/task_record.hpp"
#include "mensa/v1/master.pb.h"

namespace mensa::master {

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
