// The master's frameworks: subscription (and resubscription after a
// failover), disconnection, teardown.

#include <algorithm>
#include <cmath>

#include "actors/common/framework_info.hpp"
#include "actors/common/roles.hpp"
#include "actors/common/task_status.hpp"
#include "actors/common/task_transitions.hpp"
#include "actors/master/master_process.hpp"
#include "actors/master/scheduler_stream.hpp"

namespace mensa::master {

std::string master_process::validate_framework(const v1::FrameworkInfo& info) {
  if (info.name().empty())
    return "FrameworkInfo.name must not be empty";
  if (!std::isfinite(info.failover_timeout()) || info.failover_timeout() < 0)
    return "FrameworkInfo.failover_timeout must be finite and not negative";
  for (auto& role : common::roles_of(info))
    if (auto ok = common::validate_role(role); !ok)
      return ok.error().message;
  if (!common::has_capability(info, v1::FrameworkInfo::Capability::MULTI_ROLE) &&
      info.roles_size() > 0)
    return "FrameworkInfo.roles needs the MULTI_ROLE capability (or use 'role')";
  return {};
}

void master_process::subscribe(const address& from,
                               const v1::scheduler::Call::Subscribe& call) {
  auto info = call.framework_info();
  if (auto why = validate_framework(info); !why.empty()) {
    send_error(from, "cannot subscribe: " + why);
    return;
  }
  bool resubscribing = false;
  auto* framework = record_to_subscribe(from, info, resubscribing);
  if (framework == nullptr)
    return;
  if (resubscribing)
    take_over_scheduler(*framework, from);
  framework->info = info;
  framework->scheduler = from;
  move(*framework, framework_state::active);
  (framework->registered_ns == 0 ? framework->registered_ns
                                 : framework->reregistered_ns) = now_nanoseconds();
  framework_by_scheduler_[from] = info.id().value();
  link(from);

  v1::scheduler::Event subscribed;
  subscribed.set_type(v1::scheduler::Event::SUBSCRIBED);
  *subscribed.mutable_subscribed()->mutable_framework_id() = info.id();
  subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(
      std::chrono::duration<double>(options_.heartbeat_interval).count());
  *subscribed.mutable_subscribed()->mutable_master_info() = master_info();
  send_event(*framework, std::move(subscribed));

  if (resubscribing)
    announce_resubscribed(info, call);
  else
    add_to_allocator(*framework, call);
  publish_framework(resubscribing ? v1::master::Event::FRAMEWORK_UPDATED
                                  : v1::master::Event::FRAMEWORK_ADDED,
                    *framework);
  log(runtime::log_level::info,
      std::string(resubscribing ? "resubscribed" : "subscribed") + " framework " +
          info.id().value() + " (" + info.name() + ") at " + from.str());
}

framework_record* master_process::record_to_subscribe(const address& from,
                                                      v1::FrameworkInfo& info,
                                                      bool& resubscribing) {
  if (!info.has_id() || info.id().value().empty()) {
    info.mutable_id()->set_value(next_id("", next_framework_));
    return &frameworks_[info.id().value()];
  }
  auto id = info.id().value();
  if (torn_down(id)) {
    send_error(from, "framework " + id + " has been torn down");
    return nullptr;
  }
  auto known = frameworks_.find(id);
  resubscribing = known != frameworks_.end();
  return resubscribing ? &known->second : &frameworks_[id];
}

void master_process::take_over_scheduler(framework_record& framework,
                                         const address& from) {
  if (framework.state != framework_state::recovered && framework.scheduler != from) {
    if (framework.state == framework_state::active)
      send_error(framework.scheduler, "framework " + framework.info.id().value() +
                                          " failed over to " + from.str());
    unlink(framework.scheduler);
    framework_by_scheduler_.erase(framework.scheduler);
  }
  framework.failover_timer.cancel();
}

void master_process::announce_resubscribed(const v1::FrameworkInfo& info,
                                           const v1::scheduler::Call::Subscribe& call) {
  announce_framework_info(info, call.suppressed_roles());
  internal::AllocatorActivateFramework activate;
  *activate.mutable_framework_id() = info.id();
  activate.set_active(true);
  send(allocator_, std::move(activate));
}

void master_process::announce_framework_info(
    const v1::FrameworkInfo& info,
    const google::protobuf::RepeatedPtrField<std::string>& suppressed_roles) {
  // Agents resend at once what the scheduler has not acknowledged.
  internal::UpdateFramework changed;
  *changed.mutable_framework_info() = info;
  for (auto& [_, agent] : agents_)
    if (agent.state == agent_state::registered)
      send(agent.process, changed);
  internal::AllocatorUpdateFramework update;
  *update.mutable_framework_info() = info;
  *update.mutable_suppressed_roles() = suppressed_roles;
  send(allocator_, std::move(update));
}

void master_process::add_to_allocator(const framework_record& framework,
                                      const v1::scheduler::Call::Subscribe& call) {
  internal::AllocatorAddFramework add;
  *add.mutable_framework_info() = framework.info;
  *add.mutable_suppressed_roles() = call.suppressed_roles();
  for (auto& [task_id, task] : framework.tasks) {
    auto* used = add.add_used();
    *used->mutable_framework_id() = framework.info.id();
    *used->mutable_agent_id() = *task.agent_id;
    task.resources->copy_to(used->mutable_resources());
  }
  send(allocator_, std::move(add));
}

void master_process::rescind_offers(framework_record& framework) {
  for (auto& offer_id : offers_.of_framework(framework.info.id().value()))
    if (auto offer = rescind(offer_id))
      recover(framework.info.id().value(), offer->agent_id, offer->resources,
              std::nullopt);
}

bool master_process::move(framework_record& framework, framework_state to) {
  auto from = framework.state;
  if (common::move_state(framework.state, to, framework_may_move) !=
      common::state_move::refused)
    return true;
  log(runtime::log_level::warning, "refused to move framework " +
                                       framework.info.id().value() + " from " +
                                       to_string(from) + " to " + to_string(to));
  return false;
}

bool master_process::torn_down(const std::string& framework_id) const {
  return std::any_of(completed_frameworks_.begin(), completed_frameworks_.end(),
                     [&](const framework_record& completed) {
                       return completed.info.id().value() == framework_id;
                     });
}

void master_process::disconnect(framework_record& framework) {
  if (framework.state == framework_state::disconnected)
    return;
  if (!move(framework, framework_state::disconnected))
    return;
  framework.unregistered_ns = now_nanoseconds();
  rescind_offers(framework);
  publish_framework(v1::master::Event::FRAMEWORK_UPDATED, framework);
  internal::AllocatorActivateFramework deactivate;
  *deactivate.mutable_framework_id() = framework.info.id();
  deactivate.set_active(false);
  send(allocator_, std::move(deactivate));
  auto id = framework.info.id().value();
  auto timeout = std::chrono::duration<double>(framework.info.failover_timeout());
  if (timeout.count() <= 0) {
    teardown(id, "its scheduler disconnected (failover_timeout 0)");
    return;
  }
  framework.failover_timer =
      start_timer(std::chrono::duration_cast<runtime::duration>(timeout), [this, id] {
        auto i = frameworks_.find(id);
        if (i != frameworks_.end() && i->second.state == framework_state::disconnected)
          teardown(id, "its failover timeout passed");
      });
}

void master_process::teardown(const std::string& framework_id, const std::string& why) {
  auto i = frameworks_.find(framework_id);
  if (i == frameworks_.end())
    return;
  auto& framework = i->second;
  log(runtime::log_level::info, "tearing down framework " + framework_id + ": " + why);
  rescind_offers(framework);
  std::set<std::string> agents_involved;
  for (auto& [task_id, task] : framework.tasks) {
    agents_involved.insert(task.agent());
    if (auto* agent = agents_.find(task.agent()))
      agent->tasks.erase(framework_id, task_id);
    common::move_task(task.state, v1::TASK_KILLED);
    if (operator_listening()) {
      v1::TaskID id;
      id.set_value(task_id);
      publish_task_updated(
          framework,
          common::make_status(id, v1::TASK_KILLED, v1::TaskStatus::SOURCE_MASTER,
                              v1::TaskStatus::REASON_FRAMEWORK_REMOVED, wall_seconds(),
                              "framework " + framework_id + " was torn down: " + why),
          v1::TASK_KILLED);
    }
    remember_completed(framework, task_id, std::move(task));
  }
  framework.tasks.clear();
  for (auto& [agent_id, executors] : framework.executors)
    agents_involved.insert(agent_id);
  framework.executors.clear();
  for (auto& agent_id : agents_involved) {
    auto* agent = registered_agent(agent_id);
    if (agent == nullptr)
      continue;
    internal::ShutdownFramework shutdown;
    *shutdown.mutable_framework_id() = framework.info.id();
    send(agent->process, std::move(shutdown));
  }
  internal::AllocatorRemoveFramework remove;
  *remove.mutable_framework_id() = framework.info.id();
  send(allocator_, std::move(remove));
  framework.failover_timer.cancel();
  unlink(framework.scheduler);
  framework_by_scheduler_.erase(framework.scheduler);
  if (!scheduler_stream::stream_id_of(framework.scheduler).empty()) {
    internal::CloseSubscription close;
    close.set_reason("framework " + framework_id + " was torn down: " + why);
    send(framework.scheduler, std::move(close));
  }
  publish_framework_removed(framework);
  completed_frameworks_.push_back(std::move(framework));
  while (completed_frameworks_.size() > options_.max_completed_frameworks)
    completed_frameworks_.pop_front();
  frameworks_.erase(i);
}

}  // namespace mensa::master
