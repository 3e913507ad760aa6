// The master's state as the operator API describes it (GET_STATE and its
// parts): built from the master's own tables, as Mesos names things.

#include "actors/master/master_process.hpp"

namespace mensa::master {

namespace {

using state_response = v1::master::Response;

}  // namespace

master_process::resources_by_agent master_process::allocated_by_agent() const {
  resources_by_agent allocated;
  for (auto& [_, framework] : frameworks_) {
    for (auto& [task_id, task] : framework.tasks)
      if (task.resources)
        allocated[task.agent()] += *task.resources;
    for (auto& [agent_id, executors] : framework.executors)
      for (auto& [executor_id, used] : executors)
        allocated[agent_id] += used;
  }
  return allocated;
}

v1::Offer master_process::describe_offer(const std::string& offer_id,
                                         const offer_record& offer) const {
  v1::Offer described;
  described.mutable_id()->set_value(offer_id);
  described.mutable_framework_id()->set_value(offer.framework_id);
  described.mutable_agent_id()->set_value(offer.agent_id);
  if (auto* agent = agents_.find(offer.agent_id))
    described.set_hostname(agent->info.hostname());
  offer.resources.copy_to(described.mutable_resources());
  described.mutable_allocation_info()->set_role(offer.role);
  return described;
}

common::resources master_process::allocated_on(const agent_record& agent) const {
  common::resources allocated;
  for (auto& [framework_id, task_id] : agent.tasks.list()) {
    auto framework = frameworks_.find(framework_id);
    if (framework == frameworks_.end())
      continue;
    auto task = framework->second.tasks.find(task_id);
    if (task != framework->second.tasks.end() && task->second.resources)
      allocated += *task->second.resources;
  }
  for (auto& [_, framework] : frameworks_)
    if (auto executors = framework.executors.find(agent.id->value());
        executors != framework.executors.end())
      for (auto& [executor_id, used] : executors->second)
        allocated += used;
  return allocated;
}

state_response::GetAgents::Agent master_process::describe_agent(
    const agent_record& agent, const common::resources& allocated) const {
  state_response::GetAgents::Agent described;
  const auto& agent_id = agent.id->value();
  auto& info = *described.mutable_agent_info();
  info = agent.info;
  *info.mutable_id() = *agent.id;
  if (auto kept = writer_.kept().agent(agent_id)) {
    *info.mutable_resources() = kept->info().resources();
    *described.mutable_total_resources() = kept->info().resources();
  }
  described.set_active(agent.state == agent_state::registered);
  if (agent.registered_ns != 0)
    described.mutable_registered_time()->set_nanoseconds(agent.registered_ns);
  if (agent.reregistered_ns != 0)
    described.mutable_reregistered_time()->set_nanoseconds(agent.reregistered_ns);
  described.set_version(MENSA_VERSION);
  described.set_pid(agent.process.str());
  allocated.copy_to(described.mutable_allocated_resources());
  common::resources offered;
  for (auto& offer_id : offers_.on_agent(agent_id))
    if (auto* offer = offers_.find(offer_id))
      offered += offer->resources;
  offered.copy_to(described.mutable_offered_resources());
  return described;
}

state_response::GetAgents master_process::describe_agents() const {
  state_response::GetAgents out;
  auto allocated = allocated_by_agent();
  const common::resources none;
  for (auto& [agent_id, agent] : agents_.all()) {
    if (agent.state == agent_state::recovering ||
        agent.state == agent_state::unreachable) {
      if (auto kept = writer_.kept().agent(agent_id))
        *out.add_recovered_agents() = kept->info();
      continue;
    }
    auto used = allocated.find(agent_id);
    *out.add_agents() =
        describe_agent(agent, used != allocated.end() ? used->second : none);
  }
  return out;
}

state_response::GetFrameworks::Framework master_process::describe_framework(
    const framework_record& framework) const {
  state_response::GetFrameworks::Framework described;
  *described.mutable_framework_info() = framework.info;
  described.set_active(framework.state == framework_state::active);
  described.set_connected(framework.state == framework_state::active);
  described.set_recovered(framework.state == framework_state::recovered);
  if (framework.registered_ns != 0)
    described.mutable_registered_time()->set_nanoseconds(framework.registered_ns);
  if (framework.reregistered_ns != 0)
    described.mutable_reregistered_time()->set_nanoseconds(framework.reregistered_ns);
  if (framework.unregistered_ns != 0)
    described.mutable_unregistered_time()->set_nanoseconds(framework.unregistered_ns);
  common::resources allocated;
  for (auto& [_, task] : framework.tasks)
    if (task.resources)
      allocated += *task.resources;
  for (auto& [_, executors] : framework.executors)
    for (auto& [executor_id, used] : executors)
      allocated += used;
  allocated.copy_to(described.mutable_allocated_resources());
  common::resources offered;
  for (auto& offer_id : offers_.of_framework(framework.info.id().value())) {
    auto* offer = offers_.find(offer_id);
    if (offer == nullptr)
      continue;
    *described.add_offers() = describe_offer(offer_id, *offer);
    offered += offer->resources;
  }
  offered.copy_to(described.mutable_offered_resources());
  return described;
}

state_response::GetFrameworks master_process::describe_frameworks() const {
  state_response::GetFrameworks out;
  for (auto& [_, framework] : frameworks_)
    *out.add_frameworks() = describe_framework(framework);
  for (auto& framework : completed_frameworks_)
    *out.add_completed_frameworks() = describe_framework(framework);
  return out;
}

state_response::GetExecutors master_process::describe_executors() const {
  state_response::GetExecutors out;
  // The master keeps what an executor holds, not its whole ExecutorInfo:
  // each is described by its ID, framework and resources.
  for (auto& [framework_id, framework] : frameworks_)
    for (auto& [agent_id, executors] : framework.executors)
      for (auto& [executor_id, used] : executors) {
        auto& described = *out.add_executors();
        auto& info = *described.mutable_executor_info();
        info.mutable_executor_id()->set_value(executor_id);
        *info.mutable_framework_id() = framework.info.id();
        used.copy_to(info.mutable_resources());
        described.mutable_agent_id()->set_value(agent_id);
      }
  return out;
}

state_snapshot master_process::snapshot_tasks() const {
  state_snapshot out;
  for (auto& [agent_id, agent] : agents_.all())
    if (agent.state == agent_state::unreachable)
      out.unreachable_agents.insert(agent_id);
  auto add = [&](const framework_record& framework) {
    auto& copy = out.frameworks.emplace_back();
    copy.id = framework.info.id();
    copy.live.assign(framework.tasks.begin(), framework.tasks.end());
    copy.completed.assign(framework.completed_tasks.begin(),
                          framework.completed_tasks.end());
  };
  for (auto& [_, framework] : frameworks_)
    add(framework);
  for (auto& framework : completed_frameworks_)
    add(framework);
  return out;
}

void master_process::describe_all_but_tasks(state_response::GetState& out) const {
  *out.mutable_get_executors() = describe_executors();
  *out.mutable_get_frameworks() = describe_frameworks();
  *out.mutable_get_agents() = describe_agents();
}

state_snapshot master_process::snapshot_state() const {
  auto out = snapshot_tasks();
  describe_all_but_tasks(out.rest);
  return out;
}

state_response::GetTasks master_process::describe_tasks() const {
  // From the master's own records: no copy of them first.
  state_response::GetTasks out;
  auto unreachable = [this](const std::string& agent_id) {
    auto* agent = agents_.find(agent_id);
    return agent != nullptr && agent->state == agent_state::unreachable;
  };
  for (auto& [_, framework] : frameworks_)
    describe_framework_tasks(framework.info.id(), framework.tasks,
                             framework.completed_tasks, unreachable, out);
  for (auto& framework : completed_frameworks_)
    describe_framework_tasks(framework.info.id(), framework.tasks,
                             framework.completed_tasks, unreachable, out);
  return out;
}

state_response::GetState master_process::describe_state() const {
  state_response::GetState out;
  *out.mutable_get_tasks() = describe_tasks();
  describe_all_but_tasks(out);
  return out;
}

state_response::GetRoles master_process::describe_roles() const {
  // Every role with a framework, a weight other than 1 or quota, as Mesos
  // lists them.
  std::map<std::string, v1::Role> roles;
  auto role = [&](const std::string& name) -> v1::Role& {
    auto& r = roles[name];
    if (!r.has_name()) {
      r.set_name(name);
      auto weight = weights_.find(name);
      r.set_weight(weight == weights_.end() ? 1.0 : weight->second);
    }
    return r;
  };
  std::map<std::string, common::resources> allocated;
  for (auto& [framework_id, framework] : frameworks_) {
    for (auto& name : common::roles_of(framework.info))
      *role(name).add_frameworks() = framework.info.id();
    for (auto& [_, task] : framework.tasks)
      if (task.resources)
        for (auto& entry : task.resources->entries())
          if (entry.has_allocation_info())
            allocated[entry.allocation_info().role()].add(entry);
  }
  for (auto& [name, weight] : weights_)
    role(name);
  for (auto& [name, config] : quotas_)
    role(name);
  state_response::GetRoles out;
  for (auto& [name, r] : roles) {
    if (auto used = allocated.find(name); used != allocated.end())
      used->second.copy_to(r.mutable_resources());
    *out.add_roles() = std::move(r);
  }
  return out;
}

}  // namespace mensa::master
