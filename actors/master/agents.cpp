// The master's agents: registration, reregistration, health (pings), and
// losing them.

#include <algorithm>

#include "actors/common/task_status.hpp"
#include "actors/common/task_transitions.hpp"
#include "actors/master/master_process.hpp"
#include "runtime/dispatch.hpp"

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
  return agents_.connected_at(process);
}

agent_record* master_process::registered_agent(const std::string& agent_id) {
  return agents_.find(agent_id, agent_state::registered);
}

void master_process::on_register_agent(const address& from,
                                       const internal::RegisterAgent& msg) {
  if (auto* known = agent_at(from)) {
    // A retry of a registration that already went through.
    reply_when_durable(from,
                       admitted<internal::AgentRegistered>(*known->id, master_info()));
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
  if (!persist(registry::admission(info), "agent " + info.id().value(), true))
    return;  // the agent retries
  admit(from, info);
  if (auto* admitted_agent = agents_.find(info.id().value()))
    publish_agent_added(*admitted_agent);
  reply_when_durable(from,
                     admitted<internal::AgentRegistered>(info.id(), master_info()));
  internal::AllocatorAddAgent add;
  *add.mutable_agent_info() = info;
  *add.mutable_total() = info.resources();
  send(allocator_, std::move(add));
}

bool master_process::persist(const internal::RegistryOperation& op,
                             const std::string& what, bool deferred) {
  auto kept = writer_.keep(op, what, deferred);
  if (!kept)
    log(runtime::log_level::error, kept.error().message);
  return kept.has_value();
}

void master_process::recover_registry() {
  if (writer_.kept().dropped_bytes() > 0)
    log(runtime::log_level::warning,
        "the registry's last operation was torn by a crash; dropped " +
            std::to_string(writer_.kept().dropped_bytes()) + " bytes");
  if (!writer_.kept().weights().empty()) {
    internal::UpdateWeights weights;
    for (auto& weight : writer_.kept().weights()) {
      weights_[weight.role()] = weight.weight();
      *weights.add_weight_infos() = weight;
    }
    send(allocator_, std::move(weights));
  }
  if (!writer_.kept().quota_configs().empty()) {
    internal::UpdateQuota quota;
    quota.set_force(true);  // checked when they were set
    for (auto& config : writer_.kept().quota_configs()) {
      quotas_[config.role()] = config;
      *quota.add_quota_configs() = config;
    }
    send(allocator_, std::move(quota));
  }
  std::size_t recovering = 0;
  auto kept_agents = writer_.kept().agents();
  for (auto& [id, kept] : kept_agents) {
    auto& agent = agents_.record(id);
    agent.describe(kept.info());
    // A new record: it begins as the registry left it.
    agent.state =
        kept.unreachable() ? agent_state::unreachable : agent_state::recovering;
    recovering += kept.unreachable() ? 0 : 1;
  }
  if (writer_.kept().persistent())
    log(runtime::log_level::info,
        "recovered the registry: " + std::to_string(kept_agents.size()) + " agents (" +
            std::to_string(recovering) + " to reregister), " +
            std::to_string(weights_.size()) + " weights, " +
            std::to_string(quotas_.size()) + " quotas");
  if (recovering > 0)
    delay(options_.agent_reregister_timeout, [this] { expire_recovering_agents(); });
}

// Agents of the registry that did not come back after the master started.
void master_process::expire_recovering_agents() {
  std::vector<std::string> silent;
  for (auto& [id, agent] : agents_)
    if (agent.state == agent_state::recovering)
      silent.push_back(id);
  for (auto& id : silent)
    mark_unreachable(id, "it did not reregister within --agent_reregister_timeout");
}

framework_record& master_process::recover_framework(const v1::FrameworkInfo& info) {
  auto& framework = frameworks_[info.id().value()];
  framework.info = info;
  // A new record (its ID was unknown): it begins recovered.
  framework.state = framework_state::recovered;
  // The allocator counts its tasks' resources, and offers it nothing yet.
  internal::AllocatorAddFramework add;
  *add.mutable_framework_info() = info;
  add.set_active(false);
  send(allocator_, std::move(add));
  log(runtime::log_level::info, "recovered framework " + info.id().value() + " (" +
                                    info.name() + ") from an agent's tasks");
  // Its scheduler has its failover timeout to come back, counted from now
  // (when it learned of the failover at the latest), and never less than
  // the agents have to reregister.
  auto id = info.id().value();
  auto timeout = std::max<runtime::duration>(
      std::chrono::duration_cast<runtime::duration>(
          std::chrono::duration<double>(info.failover_timeout())),
      options_.agent_reregister_timeout);
  framework.failover_timer = start_timer(timeout, [this, id] {
    auto i = frameworks_.find(id);
    if (i != frameworks_.end() && i->second.state == framework_state::recovered)
      teardown(id,
               "its scheduler did not subscribe within its failover timeout "
               "after the master restarted");
  });
  return framework;
}

bool master_process::move(agent_record& agent, agent_state to) {
  auto from = agent.state;
  if (common::move_state(agent.state, to, agent_may_move) !=
      common::state_move::refused)
    return true;
  log(runtime::log_level::warning, "refused to move agent " + agent.id->value() +
                                       " from " + to_string(from) + " to " +
                                       to_string(to));
  return false;
}

void master_process::admit(const address& from, const v1::AgentInfo& info) {
  auto& agent = agents_.record(info.id().value());
  agent.describe(info);
  if (!move(agent, agent_state::registered))
    return;
  (agent.registered_ns == 0 ? agent.registered_ns : agent.reregistered_ns) =
      now_nanoseconds();
  agents_.connect(agent, from);
  agent.missed_pongs = 0;
  link(from);
  // Rendering the resources parses them: only for a line that is written.
  if (runtime::log_enabled(runtime::log_level::info))
    log(runtime::log_level::info, "admitted agent " + info.id().value() + " at " +
                                      from.str() + " with " +
                                      common::resources(info.resources()).to_string());
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
  if (auto* known = agents_.find(id, agent_state::registered)) {
    if (known->process == from) {
      // A retry of a reregistration that already went through.
      reply_when_durable(
          from, admitted<internal::AgentReregistered>(info.id(), master_info()));
      return;
    }
    // A new agent process with the old one's ID: the old one is gone, and
    // the new one says what survived it.
    disconnect_agent(id, "it reregistered from " + from.str());
  }
  if (writer_.kept().gone(id)) {
    internal::ShutdownAgent shutdown;
    shutdown.set_message("agent " + id + " has been marked gone");
    send(from, std::move(shutdown));
    return;
  }
  if (writer_.kept().persistent() && !writer_.kept().contains(id)) {
    internal::ShutdownAgent shutdown;
    shutdown.set_message("agent " + id + " is not in the master's registry");
    send(from, std::move(shutdown));
    return;
  }
  if (!persist(registry::admission(info), "agent " + id, true))
    return;  // the agent retries
  auto* known = agents_.find(id);
  bool was_unreachable = known != nullptr && known->state == agent_state::unreachable;
  // One the operator's event stream has not seen as connected: new to
  // this master, recovered from the registry, or back from unreachable.
  bool newly_added =
      known == nullptr || was_unreachable || known->state == agent_state::recovering;
  if (known != nullptr)
    known->reconnect_timer.cancel();
  admit(from, info);
  recover_reported_frameworks(from, msg);
  internal::AllocatorAddAgent add;
  *add.mutable_agent_info() = info;
  *add.mutable_total() = info.resources();
  auto& agent = agents_.record(id);
  take_back_executors(agent, msg, add);
  auto kills = take_back_tasks(agent, msg, was_unreachable, add);
  send(allocator_, std::move(add));
  if (newly_added)
    publish_agent_added(agent);
  // The agent hears it is back (and what to kill) once that is kept.
  writer_.when_durable(
      [this, from,
       reply = admitted<internal::AgentReregistered>(info.id(), master_info()),
       kills = std::move(kills)]() mutable {
        send(from, std::move(reply));
        for (auto& kill : kills)
          send(from, std::move(kill));
      });
}

// Their tasks are kept for them until their schedulers subscribe.
void master_process::recover_reported_frameworks(const address& from,
                                                 const internal::ReregisterAgent& msg) {
  for (auto& framework : msg.frameworks()) {
    if (!framework.has_id() || frameworks_.count(framework.id().value()) > 0)
      continue;
    if (torn_down(framework.id().value())) {
      internal::ShutdownFramework shutdown;
      *shutdown.mutable_framework_id() = framework.id();
      send(from, std::move(shutdown));
      continue;
    }
    recover_framework(framework);
  }
}

std::vector<internal::KillTask> master_process::take_back_tasks(
    agent_record& agent, const internal::ReregisterAgent& msg, bool was_unreachable,
    internal::AllocatorAddAgent& add) {
  std::vector<internal::KillTask> kills;
  std::set<std::pair<std::string, std::string>> reported;
  for (auto& task : msg.tasks()) {
    reported.insert({task.framework_id().value(), task.task_id().value()});
    auto framework = frameworks_.find(task.framework_id().value());
    if (framework == frameworks_.end())
      continue;
    if (common::is_terminal(task.state()))
      end_reported_task(framework->second, agent, task);
    else if (ended_here(framework->second, task))
      // The agent lost what it had not kept (its disk failed it): the end
      // it reported before stays the task's last word, and the executor
      // reports it again.
      log(runtime::log_level::warning, "agent " + agent.id->value() + " reports task " +
                                           task.task_id().value() + " " +
                                           common::name_of(task.state()) +
                                           ", which ended here: it stays ended");
    else
      take_back_live_task(framework->second, agent, task, was_unreachable, add, kills);
  }
  drop_unreported_tasks(agent, reported);
  return kills;
}

void master_process::take_back_live_task(framework_record& framework,
                                         agent_record& agent, const v1::Task& task,
                                         bool was_unreachable,
                                         internal::AllocatorAddAgent& add,
                                         std::vector<internal::KillTask>& kills) {
  // Was the framework told the task ended when the agent went away? Only
  // a task the master no longer has live can have been.
  bool told_lost = was_unreachable;
  if (framework.tasks.count(task.task_id().value()) == 0) {
    auto& done = framework.completed_tasks;
    auto lost = std::remove_if(done.begin(), done.end(), [&](const ended_task& t) {
      return t.id == task.task_id().value() && (t.record.state == v1::TASK_LOST ||
                                                t.record.state == v1::TASK_UNREACHABLE);
    });
    told_lost = told_lost || lost != done.end();
    done.erase(lost, done.end());
  }
  auto& record = framework.tasks[task.task_id().value()] =
      task_record::reported(task, agent.id);
  agent.tasks.insert(task.framework_id().value(), task.task_id().value());
  publish_task_added(framework, task.task_id().value(), record);
  auto* used = add.add_used();
  *used->mutable_framework_id() = task.framework_id();
  *used->mutable_agent_id() = *agent.id;
  *used->mutable_resources() = task.resources();
  if (!told_lost)
    return;
  if (framework.partition_aware()) {
    // It heard TASK_UNREACHABLE: the task is back.
    auto status =
        common::make_status(task.task_id(), task.state(), v1::TaskStatus::SOURCE_MASTER,
                            v1::TaskStatus::REASON_AGENT_REREGISTERED, wall_seconds(),
                            "agent " + agent.id->value() + " reregistered");
    *status.mutable_agent_id() = *agent.id;
    send_update(framework, std::move(status));
  } else {
    // It heard TASK_LOST and may have started another copy: this one
    // must not run on (as in Mesos).
    common::move_task(record.state, v1::TASK_KILLING);
    auto& kill = kills.emplace_back();
    *kill.mutable_framework_id() = task.framework_id();
    *kill.mutable_task_id() = task.task_id();
  }
}

// The agent is the authority on its executors: each one it reports runs,
// with the resources it took, and no other does.
void master_process::take_back_executors(const agent_record& agent,
                                         const internal::ReregisterAgent& msg,
                                         internal::AllocatorAddAgent& add) {
  auto& agent_id = agent.id->value();
  for (auto& [framework_id, framework] : frameworks_)
    framework.executors.erase(agent_id);
  for (auto& executor : msg.executor_infos()) {
    auto framework = frameworks_.find(executor.framework_id().value());
    if (framework == frameworks_.end() || executor.resources().empty())
      continue;
    auto cost = common::resources(executor.resources());
    auto [slot, added] = framework->second.executors[agent_id].emplace(
        executor.executor_id().value(), cost);
    if (!added)
      continue;
    auto* used = add.add_used();
    *used->mutable_framework_id() = executor.framework_id();
    *used->mutable_agent_id() = *agent.id;
    cost.copy_to(used->mutable_resources());
  }
}

// Whether `task`, which an agent reports live, ended at the master for good:
// the master does not have it live and its history has an end other than
// LOST (which an agent coming back may undo, as in Mesos).
bool master_process::ended_here(const framework_record& framework,
                                const v1::Task& task) const {
  if (framework.tasks.count(task.task_id().value()) > 0)
    return false;
  return std::any_of(framework.completed_tasks.begin(), framework.completed_tasks.end(),
                     [&](const ended_task& ended) {
                       return ended.id == task.task_id().value() &&
                              common::is_terminal(ended.record.state) &&
                              ended.record.state != v1::TASK_LOST;
                     });
}

// A task the agent reports ended, which the master may still have live (it
// ended while the master did not hear): the agent counts its resources free
// (the allocator takes them as such), and so the master's record ends here,
// giving nothing back. The framework hears the end from the agent's update.
void master_process::end_reported_task(framework_record& framework, agent_record& agent,
                                       const v1::Task& task) {
  auto live = framework.tasks.find(task.task_id().value());
  if (live == framework.tasks.end() || live->second.agent() != agent.id->value())
    return;
  common::move_task(live->second.state, task.state());
  agent.tasks.erase(framework.info.id().value(), live->first);
  remember_completed(framework, live->first, std::move(live->second));
  framework.tasks.erase(live);
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
    remove_silent_agent(
        id, "it missed " + std::to_string(options_.max_missed_pongs) + " pings");
  delay(options_.agent_ping_interval, [this] { ping_agents(); });
}

// No faster than the removal rate limit allows; an agent that answers (or
// reregisters) before its turn stays.
void master_process::remove_silent_agent(const std::string& agent_id,
                                         const std::string& why) {
  auto& limit = options_.agent_removal_rate_limit;
  if (!limit)
    return mark_unreachable(agent_id, why);
  auto& agent = *agents_.find(agent_id);
  if (agent.removal_pending)
    return;
  agent.removal_pending = true;
  auto at = now();
  auto turn = std::max(at, next_agent_removal_);
  next_agent_removal_ = turn + limit->window / static_cast<int64_t>(limit->permits);
  delay(turn - at, [this, agent_id, why] {
    auto* found = agents_.find(agent_id);
    if (found == nullptr)
      return;
    auto& agent = *found;
    agent.removal_pending = false;
    if (agent.state == agent_state::disconnected ||
        (agent.state == agent_state::registered &&
         agent.missed_pongs >= options_.max_missed_pongs))
      mark_unreachable(agent_id, why);
  });
}

void master_process::mark_unreachable(const std::string& agent_id,
                                      const std::string& why) {
  auto* found = agents_.find(agent_id);
  if (found == nullptr || found->state == agent_state::unreachable)
    return;
  auto& agent = *found;
  log(runtime::log_level::warning, "agent " + agent_id + " is unreachable: " + why);
  bool in_allocator = agent.state == agent_state::registered;
  if (agent.state == agent_state::registered)
    forget_connection(agent);
  move(agent, agent_state::unreachable);
  agent.reconnect_timer.cancel();
  publish_agent_removed(agent_id);
  // Many agents may go at once (their reregistration window closed): they
  // share a flush. Unkept, a restarted master waits for the agent to
  // reregister and makes it unreachable again when it does not.
  static_cast<void>(persist(registry::unreachability(agent_id, now_nanoseconds()),
                            "agent " + agent_id + " as unreachable", true));
  lose_tasks(agent, v1::TaskStatus::REASON_AGENT_DISCONNECTED,
             "agent " + agent_id + " is unreachable: " + why);
  release_agent(agent_id, in_allocator);
}

void master_process::release_agent(const std::string& agent_id, bool in_allocator) {
  for (auto& [framework_id, framework] : frameworks_)
    framework.executors.erase(agent_id);
  if (!in_allocator)
    return;
  internal::AllocatorRemoveAgent remove;
  remove.mutable_agent_id()->set_value(agent_id);
  send(allocator_, std::move(remove));
}

void master_process::forget_connection(agent_record& agent) {
  agents_.disconnect(agent.process);
  unlink(agent.process);
  for (auto& offer_id : offers_.on_agent(agent.id->value()))
    rescind(offer_id);
}

void master_process::disconnect_agent(const std::string& agent_id,
                                      const std::string& why) {
  auto* registered = agents_.find(agent_id, agent_state::registered);
  if (registered == nullptr)
    return;
  auto& agent = *registered;
  log(runtime::log_level::warning, "agent " + agent_id + " disconnected: " + why);
  forget_connection(agent);
  move(agent, agent_state::disconnected);
  // Executors of frameworks that do not checkpoint end when they lose
  // their agent, and their tasks with them.
  lose_tasks(agent, v1::TaskStatus::REASON_AGENT_DISCONNECTED,
             "agent " + agent_id + " disconnected: " + why, true);
  for (auto& [framework_id, framework] : frameworks_)
    if (!framework.info.checkpoint())
      framework.executors.erase(agent_id);
  internal::AllocatorRemoveAgent remove;
  remove.mutable_agent_id()->set_value(agent_id);
  send(allocator_, std::move(remove));
  agent.reconnect_timer = start_timer(
      options_.agent_ping_interval * options_.max_missed_pongs, [this, agent_id] {
        auto* disconnected = agents_.find(agent_id, agent_state::disconnected);
        if (disconnected == nullptr)
          return;
        disconnected->reconnect_timer.forget();
        remove_silent_agent(agent_id,
                            "it did not come back after its connection broke");
      });
}

void master_process::drop_unreported_tasks(
    agent_record& agent,
    const std::set<std::pair<std::string, std::string>>& reported) {
  for (auto& key : agent.tasks.list()) {
    if (reported.count(key) > 0)
      continue;
    agent.tasks.erase(key.first, key.second);
    auto framework = frameworks_.find(key.first);
    if (framework == frameworks_.end())
      continue;
    // It never reached the agent, or the agent lost it in a restart.
    auto& f = framework->second;
    end_task(f, agent, key.second,
             f.partition_aware() ? v1::TASK_DROPPED : v1::TASK_LOST,
             v1::TaskStatus::REASON_RECONCILIATION,
             "agent " + agent.id->value() + " reregistered without the task");
  }
}

}  // namespace mensa::master
