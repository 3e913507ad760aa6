// The master's agents: registration, reregistration, health (pings), and
// losing them.

#include "actors/common/task_status.hpp"
#include "actors/master/master_process.hpp"

namespace mensa::master {

namespace {

// AgentRegistered or AgentReregistered: the agent's ID and who we are.
template <class Reply>
Reply admitted(const v1::AgentID& id, v1::MasterInfo master) {
  Reply reply;
  *reply.mutable_agent_id() = id;
  *reply.mutable_master_info() = std::move(master);
  return reply;
}

}  // namespace

agent_record* master_process::agent_at(const address& process) {
  auto i = agent_by_process_.find(process);
  if (i == agent_by_process_.end())
    return nullptr;
  auto agent = agents_.find(i->second);
  return agent == agents_.end() ? nullptr : &agent->second;
}

agent_record* master_process::registered_agent(const std::string& agent_id) {
  auto agent = agents_.find(agent_id);
  if (agent == agents_.end() || agent->second.state != agent_state::registered)
    return nullptr;
  return &agent->second;
}

void master_process::on_register_agent(const address& from,
                                       const internal::RegisterAgent& msg) {
  if (auto* known = agent_at(from)) {
    // A retry of a registration that already went through.
    send(from, admitted<internal::AgentRegistered>(known->info.id(), master_info()));
    return;
  }
  if (auto ok = common::resources::validate(msg.agent_info().resources()); !ok) {
    internal::ShutdownAgent shutdown;
    shutdown.set_message("invalid resources: " + ok.error().message);
    send(from, std::move(shutdown));
    return;
  }
  auto info = msg.agent_info();
  info.mutable_id()->set_value(next_id("S", next_agent_));
  admit(from, info);
  send(from, admitted<internal::AgentRegistered>(info.id(), master_info()));
  internal::AllocatorAddAgent add;
  *add.mutable_agent_info() = info;
  *add.mutable_total() = info.resources();
  send(allocator_, std::move(add));
}

void master_process::admit(const address& from, const v1::AgentInfo& info) {
  auto& agent = agents_[info.id().value()];
  agent.info = info;
  agent.process = from;
  agent.state = agent_state::registered;
  agent.total = common::resources(info.resources());
  agent.missed_pongs = 0;
  agent_by_process_[from] = info.id().value();
  link(from);
  log(runtime::log_level::info, "admitted agent " + info.id().value() + " at " +
                                    from.str() + " with " + agent.total.to_string());
}

void master_process::on_reregister_agent(const address& from,
                                         const internal::ReregisterAgent& msg) {
  auto info = msg.agent_info();
  if (!info.has_id() || info.id().value().empty()) {
    internal::ShutdownAgent shutdown;
    shutdown.set_message("reregistration needs the agent's ID");
    send(from, std::move(shutdown));
    return;
  }
  auto id = info.id().value();
  auto known = agents_.find(id);
  if (known != agents_.end() && known->second.state == agent_state::registered) {
    if (known->second.process != from) {
      agent_by_process_.erase(known->second.process);
      unlink(known->second.process);
      admit(from, info);
    }
    send(from, admitted<internal::AgentReregistered>(info.id(), master_info()));
    return;
  }
  admit(from, info);
  // Take back the tasks the agent still runs, for frameworks we know.
  internal::AllocatorAddAgent add;
  *add.mutable_agent_info() = info;
  *add.mutable_total() = info.resources();
  auto& agent = agents_[id];
  for (auto& task : msg.tasks()) {
    if (common::is_terminal(task.state()))
      continue;
    auto framework = frameworks_.find(task.framework_id().value());
    if (framework == frameworks_.end())
      continue;
    framework->second.tasks[task.task_id().value()] = task;
    agent.tasks.insert({task.framework_id().value(), task.task_id().value()});
    auto* used = add.add_used();
    *used->mutable_framework_id() = task.framework_id();
    *used->mutable_agent_id() = info.id();
    *used->mutable_resources() = task.resources();
  }
  send(allocator_, std::move(add));
  send(from, admitted<internal::AgentReregistered>(info.id(), master_info()));
}

void master_process::on_pong(const address& from, const internal::PongAgent&) {
  if (auto* agent = agent_at(from))
    agent->missed_pongs = 0;
}

void master_process::ping_agents() {
  std::vector<std::string> silent;
  for (auto& [id, agent] : agents_) {
    if (agent.state != agent_state::registered)
      continue;
    if (agent.missed_pongs >= options_.max_missed_pongs) {
      silent.push_back(id);
      continue;
    }
    ++agent.missed_pongs;
    internal::PingAgent ping;
    ping.set_connected(true);
    send(agent.process, std::move(ping));
  }
  for (auto& id : silent)
    mark_unreachable(
        id, "it missed " + std::to_string(options_.max_missed_pongs) + " pings");
  delay(options_.agent_ping_interval, [this] { ping_agents(); });
}

void master_process::mark_unreachable(const std::string& agent_id,
                                      const std::string& why) {
  auto i = agents_.find(agent_id);
  if (i == agents_.end() || i->second.state == agent_state::unreachable)
    return;
  auto& agent = i->second;
  log(runtime::log_level::warning, "agent " + agent_id + " is unreachable: " + why);
  agent.state = agent_state::unreachable;
  agent_by_process_.erase(agent.process);
  unlink(agent.process);
  auto offer_ids = agent.offers;
  for (auto& offer_id : offer_ids)
    rescind(offer_id);
  lose_tasks(agent, v1::TaskStatus::REASON_AGENT_DISCONNECTED,
             "agent " + agent_id + " is unreachable: " + why);
  for (auto& [framework_id, framework] : frameworks_)
    framework.executors.erase(agent_id);
  internal::AllocatorRemoveAgent remove;
  remove.mutable_agent_id()->set_value(agent_id);
  send(allocator_, std::move(remove));
}

}  // namespace mensa::master
