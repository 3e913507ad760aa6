#include "actors/master/master_process.hpp"

#include <chrono>
#include <cstdio>

#include "actors/common/master_group.hpp"
#include "actors/common/task_status.hpp"
#include "actors/common/uuid.hpp"
#include "runtime/node.hpp"

namespace mensa::master {

master_process::master_process(runtime::process_config& cfg, runtime::node& owner,
                               address self, address allocator, master_options options,
                               registry kept)
    : process(cfg, owner, std::move(self)),
      allocator_(std::move(allocator)),
      options_(options),
      writer_(std::move(kept),
              registry_writer::environment{
                  [this](std::function<void()> fn) { defer(std::move(fn)); },
                  [this](runtime::duration d, std::function<void()> fn) {
                    delay(d, std::move(fn));
                  },
                  [this](runtime::log_level level, const std::string& line) {
                    log(level, line);
                  }}) {
  id_ = options_.id.empty() ? common::format_uuid(common::make_uuid(random(), random()))
                            : options_.id;
}

void master_process::on_start() {
  install(&master_process::on_call);
  install(&master_process::on_register_agent);
  install(&master_process::on_reregister_agent);
  install(&master_process::on_pong);
  install(&master_process::on_allocator_offers);
  install(&master_process::on_status_update);
  install(&master_process::on_exited_executor);
  install(&master_process::on_executor_message);
  install(&master_process::on_update_weights);
  install(&master_process::on_update_quota);
  install(&master_process::on_get_roles);
  route("/api/v1/scheduler", &master_process::on_scheduler_api);
  // Mesos's docs write the operator API both with and without the slash.
  route("/api/v1", &master_process::on_operator_api);
  route("/api/v1/", &master_process::on_operator_api);
  route("/master/health", &master_process::on_health);
  route("/master/redirect", &master_process::on_redirect);
  for (auto* view :
       {"state", "state-summary", "frameworks", "slaves", "tasks", "roles", "flags"}) {
    route(std::string("/master/") + view, &master_process::on_state_view);
    route(std::string("/master/") + view + ".json", &master_process::on_state_view);
  }
  // "/state" reaches "/master/state", as on a Mesos master.
  local_node().http_routes().set_delegate("/master");
  started_ns_ = now_nanoseconds();
  collect_metrics_on_request();
  recover_registry();
  if (!options_.weights.empty()) {
    internal::UpdateWeights weights;
    for (auto& weight : options_.weights)
      *weights.add_weight_infos() = weight;
    if (auto changed = change_weights(weights); !changed)
      log(runtime::log_level::error, changed.error().message);
  }
  delay(options_.agent_ping_interval, [this] { ping_agents(); });
  if (options_.registry_gc_interval > runtime::duration::zero())
    delay(options_.registry_gc_interval, [this] { collect_unreachable_agents(); });
  log(runtime::log_level::info, "master " + id_ + " started");
}

void master_process::on_stop() {
  local_node().metrics().remove_collectors(this);
}

std::string master_process::next_id(const char* kind, uint64_t& counter) {
  char suffix[32];
  std::snprintf(suffix, sizeof(suffix), "-%s%04llu", kind,
                static_cast<unsigned long long>(counter++));
  return id_ + suffix;
}

int64_t master_process::now_nanoseconds() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             wall_now().time_since_epoch())
      .count();
}

v1::MasterInfo master_process::master_info() const {
  return common::describe_master(self_address(), id_);
}

// -- calls --------------------------------------------------------------------

framework_record* master_process::caller(const address& from,
                                         const v1::scheduler::Call& call) {
  if (!call.has_framework_id()) {
    send_error(from, "the call has no framework_id; subscribe first");
    return nullptr;
  }
  // A call that crossed a master failover, or a resubscription, comes
  // before its scheduler subscribed here: the scheduler subscribes again by
  // itself, so the call is dropped, not answered with an ERROR that would
  // end the scheduler (Mesos answers it 403).
  auto ignore = [&](const std::string& why) {
    log(runtime::log_level::warning, "ignored a " +
                                         v1::scheduler::Call::Type_Name(call.type()) +
                                         " call from " + from.str() + ": " + why);
    return nullptr;
  };
  auto i = frameworks_.find(call.framework_id().value());
  if (i == frameworks_.end())
    return ignore("framework " + call.framework_id().value() + " is not subscribed");
  if (i->second.state != framework_state::active)
    return ignore("framework " + i->first + " has no subscribed scheduler");
  if (i->second.scheduler != from) {
    // The framework failed over to another scheduler: this one is done.
    send_error(from, "framework " + i->first + " is subscribed by another scheduler (" +
                         i->second.scheduler.str() + ")");
    return nullptr;
  }
  return &i->second;
}

void master_process::on_call(const address& from, const v1::scheduler::Call& call) {
  using call_type = v1::scheduler::Call;
  if (call.type() == call_type::SUBSCRIBE) {
    if (!call.has_subscribe()) {
      send_error(from, "a SUBSCRIBE call needs 'subscribe'");
      return;
    }
    subscribe(from, call.subscribe());
    return;
  }
  auto* framework = caller(from, call);
  if (framework == nullptr)
    return;
  auto missing = [&](const char* field) {
    send_error(from, std::string("a ") + call_type::Type_Name(call.type()) +
                         " call needs '" + field + "'");
  };
  switch (call.type()) {
    case call_type::TEARDOWN:
      teardown(framework->info.id().value(), "the framework asked for it");
      break;
    case call_type::ACCEPT:
      if (!call.has_accept())
        return missing("accept");
      accept(*framework, call.accept());
      break;
    case call_type::DECLINE:
      if (!call.has_decline())
        return missing("decline");
      decline(*framework, call.decline());
      break;
    case call_type::REVIVE: {
      internal::AllocatorReviveOffers revive;
      *revive.mutable_framework_id() = framework->info.id();
      *revive.mutable_roles() = call.revive().roles();
      send(allocator_, std::move(revive));
      break;
    }
    case call_type::SUPPRESS: {
      internal::AllocatorSuppressOffers suppress;
      *suppress.mutable_framework_id() = framework->info.id();
      *suppress.mutable_roles() = call.suppress().roles();
      send(allocator_, std::move(suppress));
      break;
    }
    case call_type::KILL:
      if (!call.has_kill())
        return missing("kill");
      kill(*framework, call.kill());
      break;
    case call_type::SHUTDOWN:
      if (!call.has_shutdown())
        return missing("shutdown");
      shutdown_executor(*framework, call.shutdown());
      break;
    case call_type::ACKNOWLEDGE:
      if (!call.has_acknowledge())
        return missing("acknowledge");
      acknowledge(*framework, call.acknowledge());
      break;
    case call_type::RECONCILE:
      reconcile(*framework, call.reconcile());
      break;
    case call_type::MESSAGE:
      if (!call.has_message())
        return missing("message");
      message(*framework, call.message());
      break;
    case call_type::REQUEST:
      // Like Mesos's allocator, ours takes no requests; nothing to do.
      break;
    case call_type::UPDATE_FRAMEWORK: {
      if (!call.has_update_framework())
        return missing("update_framework");
      if (auto why = update_framework(*framework, call.update_framework());
          !why.empty())
        send_error(from, "cannot update the framework: " + why);
      break;
    }
    default:
      send_error(from, "unsupported call type " + call_type::Type_Name(call.type()));
  }
}

// -- events -------------------------------------------------------------------

void master_process::send_event(const framework_record& framework,
                                v1::scheduler::Event event) {
  if (framework.state != framework_state::active)
    return;
  send(framework.scheduler, std::move(event));
}

void master_process::send_error(const address& to, const std::string& message) {
  log(runtime::log_level::warning, "error to " + to.str() + ": " + message);
  v1::scheduler::Event event;
  event.set_type(v1::scheduler::Event::ERROR);
  event.mutable_error()->set_message(message);
  send(to, std::move(event));
}

// -- failure detection --------------------------------------------------------

void master_process::exited(const address& peer, const runtime::peer_exit& why) {
  if (forget_operator_stream(peer))
    return;
  if (auto i = framework_by_scheduler_.find(peer); i != framework_by_scheduler_.end()) {
    auto framework = frameworks_.find(i->second);
    framework_by_scheduler_.erase(i);
    if (framework != frameworks_.end() && framework->second.scheduler == peer) {
      log(runtime::log_level::info, "scheduler of framework " + framework->first + " " +
                                        to_string(why.kind) + ": " + why.detail);
      disconnect(framework->second);
    }
    return;
  }
  if (auto* agent = agents_.disconnect(peer)) {
    auto agent_id = agent->id->value();
    disconnect_agent(agent_id, std::string(to_string(why.kind)) + ": " + why.detail);
  }
}

}  // namespace mensa::master
