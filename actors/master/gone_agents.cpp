// Agents an operator marks gone (MARK_AGENT_GONE): gone for good, as in
// Mesos. Their tasks are reported gone and the agent is never admitted
// again, even under the same ID after a restart of the master.

#include "actors/master/master_process.hpp"

namespace mensa::master {

master_process::gone_marking master_process::mark_agent_gone(
    const std::string& agent_id) {
  if (writer_.kept().gone(agent_id))
    return gone_marking::already_gone;
  auto* found = agents_.find(agent_id);
  if (found == nullptr)
    return gone_marking::unknown;
  if (!persist(registry::gone_marking(agent_id, now_nanoseconds()),
               "agent " + agent_id + " as gone"))
    return gone_marking::not_kept;
  auto& agent = *found;
  log(runtime::log_level::warning, "agent " + agent_id + " was marked gone");
  bool in_allocator = agent.state == agent_state::registered;
  bool was_reachable = agent.state != agent_state::unreachable;
  if (agent.state == agent_state::registered) {
    internal::ShutdownAgent shutdown;
    shutdown.set_message("agent " + agent_id + " has been marked gone");
    send(agent.process, std::move(shutdown));
    forget_connection(agent);
  }
  agent.reconnect_timer.cancel();
  lose_tasks(agent, v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR,
             "agent " + agent_id + " was marked gone", false,
             v1::TASK_GONE_BY_OPERATOR);
  release_agent(agent_id, in_allocator);
  agents_.erase(agent_id);
  if (was_reachable)
    publish_agent_removed(agent_id);
  return gone_marking::marked;
}

}  // namespace mensa::master
