#include "actors/master/state_snapshot.hpp"

namespace mensa::master {

void state_snapshot::describe_tasks(v1::master::Response::GetTasks& out) const {
  auto unreachable = [this](const std::string& agent_id) {
    return unreachable_agents.count(agent_id) > 0;
  };
  for (auto& framework : frameworks)
    describe_framework_tasks(framework.id, framework.live, framework.completed,
                             unreachable, out);
}

v1::master::Response::GetState& state_snapshot::describe() {
  rest.clear_get_tasks();
  describe_tasks(*rest.mutable_get_tasks());
  return rest;
}

}  // namespace mensa::master
