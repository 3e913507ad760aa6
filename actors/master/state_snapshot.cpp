#include "actors/master/state_snapshot.hpp"

namespace mensa::master {

void state_snapshot::describe_tasks(v1::master::Response::GetTasks& out) const {
  for (auto& framework : frameworks) {
    for (auto& [task_id, task] : framework.live) {
      auto* list = unreachable_agents.count(task.agent()) > 0
                       ? out.mutable_unreachable_tasks()
                       : out.mutable_tasks();
      *list->Add() = task.to_task(task_id, framework.id);
    }
    for (auto& ended : framework.completed)
      *out.add_completed_tasks() = ended.record.to_task(ended.id, framework.id);
  }
}

v1::master::Response::GetState& state_snapshot::describe() {
  rest.clear_get_tasks();
  describe_tasks(*rest.mutable_get_tasks());
  return rest;
}

}  // namespace mensa::master
