#include "actors/master/agent_table.hpp"

#include <utility>

namespace mensa::master {

agent_record* agent_table::find(const std::string& agent_id) {
  auto i = agents_.find(agent_id);
  return i == agents_.end() ? nullptr : &i->second;
}

const agent_record* agent_table::find(const std::string& agent_id) const {
  auto i = agents_.find(agent_id);
  return i == agents_.end() ? nullptr : &i->second;
}

agent_record* agent_table::find(const std::string& agent_id, agent_state state) {
  auto* agent = find(agent_id);
  return agent != nullptr && agent->state == state ? agent : nullptr;
}

agent_record* agent_table::connected_at(const runtime::address& process) {
  auto i = by_process_.find(process);
  return i == by_process_.end() ? nullptr : i->second;
}

void agent_table::connect(agent_record& agent, runtime::address process) {
  if (!agent.process.empty() && agent.process != process)
    if (auto i = by_process_.find(agent.process);
        i != by_process_.end() && i->second == &agent)
      by_process_.erase(i);
  agent.process = std::move(process);
  by_process_[agent.process] = &agent;
}

agent_record* agent_table::disconnect(const runtime::address& process) {
  auto i = by_process_.find(process);
  if (i == by_process_.end())
    return nullptr;
  auto* agent = i->second;
  by_process_.erase(i);
  return agent;
}

bool agent_table::erase(const std::string& agent_id) {
  auto i = agents_.find(agent_id);
  if (i == agents_.end())
    return false;
  if (auto p = by_process_.find(i->second.process);
      p != by_process_.end() && p->second == &i->second)
    by_process_.erase(p);
  agents_.erase(i);
  return true;
}

}  // namespace mensa::master
