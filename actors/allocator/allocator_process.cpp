#include "actors/allocator/allocator_process.hpp"

#include <algorithm>
#include <cmath>

#include "actors/common/framework_info.hpp"
#include "actors/common/task_states.hpp"
#include "runtime/node.hpp"

namespace mensa::allocator {

namespace {

// At most a year, as Mesos caps refuse_seconds.
constexpr double max_refuse_seconds = 365.0 * 24 * 3600;

std::set<std::string> to_set(
    const google::protobuf::RepeatedPtrField<std::string>& xs) {
  return {xs.begin(), xs.end()};
}

std::vector<std::string> to_vector(
    const google::protobuf::RepeatedPtrField<std::string>& xs) {
  return {xs.begin(), xs.end()};
}

}  // namespace

allocator_process::allocator_process(runtime::process_config& cfg, runtime::node& owner,
                                     address self, address master,
                                     allocator_options options)
    : process(cfg, owner, std::move(self)),
      master_(std::move(master)),
      interval_(options.allocation_interval),
      allocator_(std::move(options)) {}

void allocator_process::on_start() {
  auto& metrics = local_node().metrics();
  allocation_runs_ =
      &metrics.counter("allocator/mesos/allocation_runs", "allocation passes run");
  allocation_run_ = &metrics.timer("allocator/mesos/allocation_run",
                                   "time an allocation pass takes, in milliseconds");
  install(&allocator_process::on_add_framework);
  install(&allocator_process::on_update_framework);
  install(&allocator_process::on_remove_framework);
  install(&allocator_process::on_activate_framework);
  install(&allocator_process::on_add_agent);
  install(&allocator_process::on_remove_agent);
  install(&allocator_process::on_activate_agent);
  install(&allocator_process::on_recover);
  install(&allocator_process::on_revive);
  install(&allocator_process::on_suppress);
  install(&allocator_process::on_update_weights);
  install(&allocator_process::on_update_quota);
  install(&allocator_process::on_run_pass);
  delay(interval_, [this] { periodic_pass(); });
}

bool allocator_process::from_master(const address& from) const {
  if (from == master_ || from == self_address())
    return true;
  log(runtime::log_level::warning,
      "ignored a message from " + from.str() + ", which is not the master");
  return false;
}

// -- frameworks ---------------------------------------------------------------

void allocator_process::on_add_framework(const address& from,
                                         const internal::AllocatorAddFramework& msg) {
  if (!from_master(from))
    return;
  auto& id = msg.framework_info().id().value();
  allocator_.add_framework(id, common::roles_of(msg.framework_info()), msg.active(),
                           to_set(msg.suppressed_roles()));
  for (auto& used : msg.used())
    allocator_.add_used(id, used.agent_id().value(),
                        common::resources(used.resources()));
  request_pass();
}

void allocator_process::on_update_framework(
    const address& from, const internal::AllocatorUpdateFramework& msg) {
  if (!from_master(from))
    return;
  allocator_.update_framework(msg.framework_info().id().value(),
                              common::roles_of(msg.framework_info()),
                              to_set(msg.suppressed_roles()));
  request_pass();
}

void allocator_process::on_remove_framework(
    const address& from, const internal::AllocatorRemoveFramework& msg) {
  if (!from_master(from))
    return;
  allocator_.remove_framework(msg.framework_id().value());
  request_pass();
}

void allocator_process::on_activate_framework(
    const address& from, const internal::AllocatorActivateFramework& msg) {
  if (!from_master(from))
    return;
  allocator_.activate_framework(msg.framework_id().value(), msg.active());
  if (msg.active())
    request_pass();
}

void allocator_process::on_revive(const address& from,
                                  const internal::AllocatorReviveOffers& msg) {
  if (!from_master(from))
    return;
  allocator_.revive(msg.framework_id().value(), to_vector(msg.roles()));
  request_pass();
}

void allocator_process::on_suppress(const address& from,
                                    const internal::AllocatorSuppressOffers& msg) {
  if (!from_master(from))
    return;
  allocator_.suppress(msg.framework_id().value(), to_vector(msg.roles()));
}

// -- agents -------------------------------------------------------------------

void allocator_process::on_add_agent(const address& from,
                                     const internal::AllocatorAddAgent& msg) {
  if (!from_master(from))
    return;
  auto& id = msg.agent_info().id().value();
  allocator_.add_agent(id, common::resources(msg.total()));
  for (auto& used : msg.used())
    allocator_.add_used(used.framework_id().value(), id,
                        common::resources(used.resources()));
  request_pass();
}

void allocator_process::on_remove_agent(const address& from,
                                        const internal::AllocatorRemoveAgent& msg) {
  if (!from_master(from))
    return;
  allocator_.remove_agent(msg.agent_id().value());
}

void allocator_process::on_activate_agent(const address& from,
                                          const internal::AllocatorActivateAgent& msg) {
  if (!from_master(from))
    return;
  allocator_.activate_agent(msg.agent_id().value(), msg.active());
  if (msg.active())
    request_pass();
}

// -- resources and roles ------------------------------------------------------

void allocator_process::on_recover(const address& from,
                                   const internal::AllocatorRecoverResources& msg) {
  if (!from_master(from))
    return;
  std::optional<runtime::duration> refuse_for;
  if (msg.has_filters()) {
    double seconds = msg.filters().refuse_seconds();
    if (!std::isfinite(seconds) || seconds < 0)
      seconds = v1::Filters().refuse_seconds();
    seconds = std::min(seconds, max_refuse_seconds);
    if (seconds > 0)
      refuse_for = std::chrono::duration_cast<runtime::duration>(
          std::chrono::duration<double>(seconds));
  }
  allocator_.recover(msg.framework_id().value(), msg.agent_id().value(),
                     common::resources(msg.resources()), refuse_for, now());
  request_pass();
}

void allocator_process::on_update_weights(const address& from,
                                          const internal::UpdateWeights& msg) {
  if (!from_master(from))
    return;
  for (auto& weight : msg.weight_infos())
    allocator_.set_weight(weight.role(), weight.weight());
  request_pass();
}

void allocator_process::on_update_quota(const address& from,
                                        const internal::UpdateQuota& msg) {
  if (!from_master(from))
    return;
  std::map<std::string, role_quota> quotas;
  for (auto& config : msg.quota_configs()) {
    auto& quota = quotas[config.role()];
    for (auto& [name, amount] : config.guarantees())
      quota.guarantees.set(name, amount.value());
    for (auto& [name, amount] : config.limits())
      quota.limits[name] = amount.value();
  }
  allocator_.set_quotas(std::move(quotas));
  request_pass();
}

// -- allocation ---------------------------------------------------------------

void allocator_process::on_run_pass(const address& from,
                                    const internal::AllocatorRunPass&) {
  if (from != self_address())
    return;
  pass_requested_ = false;
  run_pass();
}

void allocator_process::request_pass() {
  if (pass_requested_)
    return;
  pass_requested_ = true;
  send(self_address(), internal::AllocatorRunPass{});
}

void allocator_process::periodic_pass() {
  run_pass();
  delay(interval_, [this] { periodic_pass(); });
}

void allocator_process::run_pass() {
  allocation_runs_->increment();
  std::vector<allocation> allocations;
  {
    runtime::scoped_timing timed(*allocation_run_);
    allocations = allocator_.allocate(now(), random());
  }
  if (allocations.empty())
    return;
  internal::AllocatorOffers offers;
  for (auto& decided : allocations) {
    auto* added = offers.add_allocations();
    added->mutable_framework_id()->set_value(std::move(decided.framework_id));
    added->mutable_agent_id()->set_value(std::move(decided.agent_id));
    added->set_role(decided.role);
    decided.resources.copy_to(added->mutable_resources());
  }
  send(master_, std::move(offers));
}

}  // namespace mensa::allocator
