#include "actors/allocator/allocator_process.hpp"

#include <algorithm>
#include <cmath>

#include "actors/common/task_states.hpp"

namespace mensa::allocator {

namespace {

// At most a year, as Mesos caps refuse_seconds.
constexpr double max_refuse_seconds = 365.0 * 24 * 3600;

// Splits resources by the role they are allocated to.
std::map<std::string, common::resources> by_role(const common::resources& r) {
  std::map<std::string, common::resources> result;
  for (auto& entry : r.entries())
    result[std::string(common::allocation_role(entry))].add(entry);
  return result;
}

}  // namespace

allocator_process::allocator_process(caf::actor_config& cfg, runtime::node& owner,
                                     address self, address master,
                                     allocator_options options)
    : process(cfg, owner, std::move(self)),
      master_(std::move(master)),
      options_(options) {}

void allocator_process::on_start() {
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
  install(&allocator_process::on_run_pass);
  delay(options_.allocation_interval, [this] { periodic_pass(); });
}

bool allocator_process::from_master(const address& from) const {
  if (from == master_ || from == self_address())
    return true;
  log(runtime::log_level::warning,
      "ignored a message from " + from.str() + ", which is not the master");
  return false;
}

// -- frameworks ---------------------------------------------------------------

void allocator_process::add_roles(const std::string& framework,
                                  framework_entry& entry) {
  for (auto& role : entry.roles) {
    if (!role_sorter_.contains(role))
      role_sorter_.add(role);
    auto& sorter = framework_sorters_[role];
    sorter.add(framework);
    sorter.activate(framework, entry.active);
  }
}

void allocator_process::on_add_framework(const address& from,
                                         const internal::AllocatorAddFramework& msg) {
  if (!from_master(from))
    return;
  auto id = msg.framework_info().id().value();
  auto& entry = frameworks_[id];
  entry.info = msg.framework_info();
  entry.roles = common::roles_of(entry.info);
  entry.active = msg.active();
  entry.suppressed = {msg.suppressed_roles().begin(), msg.suppressed_roles().end()};
  add_roles(id, entry);
  for (auto& used : msg.used())
    track(id, used.agent_id().value(), common::resources(used.resources()));
  request_pass();
}

allocator_process::framework_entry* allocator_process::framework_from_master(
    const address& from, const std::string& framework_id) {
  if (!from_master(from))
    return nullptr;
  auto i = frameworks_.find(framework_id);
  return i == frameworks_.end() ? nullptr : &i->second;
}

void allocator_process::on_update_framework(
    const address& from, const internal::AllocatorUpdateFramework& msg) {
  auto* framework = framework_from_master(from, msg.framework_info().id().value());
  if (framework == nullptr)
    return;
  framework->info = msg.framework_info();
  framework->suppressed = {msg.suppressed_roles().begin(),
                           msg.suppressed_roles().end()};
  request_pass();
}

void allocator_process::on_remove_framework(
    const address& from, const internal::AllocatorRemoveFramework& msg) {
  if (!from_master(from))
    return;
  auto id = msg.framework_id().value();
  auto i = frameworks_.find(id);
  if (i == frameworks_.end())
    return;
  auto allocations = i->second.allocated;
  for (auto& [agent, allocated] : allocations)
    untrack(id, agent, allocated);
  for (auto& role : i->second.roles) {
    auto sorter = framework_sorters_.find(role);
    if (sorter == framework_sorters_.end())
      continue;
    sorter->second.remove(id);
    if (sorter->second.empty()) {
      framework_sorters_.erase(sorter);
      role_sorter_.remove(role);
    }
  }
  frameworks_.erase(i);
  request_pass();
}

void allocator_process::on_activate_framework(
    const address& from, const internal::AllocatorActivateFramework& msg) {
  auto* framework = framework_from_master(from, msg.framework_id().value());
  if (framework == nullptr)
    return;
  framework->active = msg.active();
  for (auto& role : framework->roles)
    framework_sorters_[role].activate(msg.framework_id().value(), msg.active());
  if (msg.active())
    request_pass();
}

void allocator_process::on_revive(const address& from,
                                  const internal::AllocatorReviveOffers& msg) {
  auto* framework = framework_from_master(from, msg.framework_id().value());
  if (framework == nullptr)
    return;
  if (msg.roles().empty())
    framework->suppressed.clear();
  for (auto& role : msg.roles())
    framework->suppressed.erase(role);
  framework->refusals.clear();
  request_pass();
}

void allocator_process::on_suppress(const address& from,
                                    const internal::AllocatorSuppressOffers& msg) {
  auto* framework = framework_from_master(from, msg.framework_id().value());
  if (framework == nullptr)
    return;
  if (msg.roles().empty())
    framework->suppressed.insert(framework->roles.begin(), framework->roles.end());
  for (auto& role : msg.roles())
    framework->suppressed.insert(role);
}

// -- agents -------------------------------------------------------------------

void allocator_process::on_add_agent(const address& from,
                                     const internal::AllocatorAddAgent& msg) {
  if (!from_master(from))
    return;
  auto id = msg.agent_info().id().value();
  if (agents_.count(id) > 0)
    return;
  auto& entry = agents_[id];
  entry.info = msg.agent_info();
  entry.total = common::resources(msg.total());
  role_sorter_.add_total(entry.total);
  for (auto& [role, sorter] : framework_sorters_)
    sorter.add_total(entry.total);
  for (auto& used : msg.used())
    track(used.framework_id().value(), id, common::resources(used.resources()));
  request_pass();
}

void allocator_process::on_remove_agent(const address& from,
                                        const internal::AllocatorRemoveAgent& msg) {
  if (!from_master(from))
    return;
  auto id = msg.agent_id().value();
  auto i = agents_.find(id);
  if (i == agents_.end())
    return;
  for (auto& [framework, entry] : frameworks_) {
    auto allocated = entry.allocated.find(id);
    if (allocated != entry.allocated.end())
      untrack(framework, id, common::resources(allocated->second));
    entry.refusals.erase(id);
  }
  role_sorter_.subtract_total(i->second.total);
  for (auto& [role, sorter] : framework_sorters_)
    sorter.subtract_total(i->second.total);
  agents_.erase(i);
}

void allocator_process::on_activate_agent(const address& from,
                                          const internal::AllocatorActivateAgent& msg) {
  if (!from_master(from))
    return;
  auto i = agents_.find(msg.agent_id().value());
  if (i == agents_.end())
    return;
  i->second.active = msg.active();
  if (msg.active())
    request_pass();
}

// -- resources ----------------------------------------------------------------

void allocator_process::track(const std::string& framework, const std::string& agent,
                              const common::resources& allocated) {
  auto f = frameworks_.find(framework);
  auto a = agents_.find(agent);
  if (f == frameworks_.end() || a == agents_.end())
    return;
  for (auto& [role, part] : by_role(allocated)) {
    auto plain = part.unallocated();
    if (role_sorter_.contains(role))
      role_sorter_.allocated(role, plain);
    framework_sorters_[role].allocated(framework, plain);
    a->second.allocated += plain;
  }
  f->second.allocated[agent] += allocated;
}

void allocator_process::untrack(const std::string& framework, const std::string& agent,
                                const common::resources& allocated) {
  auto f = frameworks_.find(framework);
  if (f == frameworks_.end())
    return;
  auto held = f->second.allocated.find(agent);
  if (held == f->second.allocated.end())
    return;
  // Never give back more than the framework holds there.
  common::resources released;
  for (auto& entry : allocated.entries()) {
    common::resources one;
    one.add(entry);
    if (held->second.contains(one))
      released += one;
  }
  held->second -= released;
  if (held->second.empty())
    f->second.allocated.erase(held);
  auto a = agents_.find(agent);
  for (auto& [role, part] : by_role(released)) {
    auto plain = part.unallocated();
    if (role_sorter_.contains(role))
      role_sorter_.unallocated(role, plain);
    auto sorter = framework_sorters_.find(role);
    if (sorter != framework_sorters_.end())
      sorter->second.unallocated(framework, plain);
    if (a != agents_.end())
      a->second.allocated -= plain;
  }
}

void allocator_process::on_recover(const address& from,
                                   const internal::AllocatorRecoverResources& msg) {
  if (!from_master(from))
    return;
  auto framework = msg.framework_id().value();
  auto agent = msg.agent_id().value();
  common::resources recovered(msg.resources());
  untrack(framework, agent, recovered);
  auto f = frameworks_.find(framework);
  if (f != frameworks_.end() && msg.has_filters()) {
    double seconds = msg.filters().refuse_seconds();
    if (seconds < 0)
      seconds = v1::Filters().refuse_seconds();
    seconds = std::min(seconds, max_refuse_seconds);
    // A filter never lasts less than an allocation interval: the next pass
    // must not hand the same resources straight back.
    auto duration = std::max(caf::timespan(std::chrono::duration_cast<caf::timespan>(
                                 std::chrono::duration<double>(seconds))),
                             options_.allocation_interval);
    if (seconds > 0)
      f->second.refusals[agent].push_back(
          {recovered.unallocated(), clock().now() + duration});
  }
  request_pass();
}

bool allocator_process::filtered(framework_entry& framework, const std::string& agent,
                                 const common::resources& offerable) {
  auto i = framework.refusals.find(agent);
  if (i == framework.refusals.end())
    return false;
  auto now = clock().now();
  auto& live = i->second;
  live.erase(std::remove_if(live.begin(), live.end(),
                            [&](const refusal& r) { return r.expires <= now; }),
             live.end());
  if (live.empty()) {
    framework.refusals.erase(i);
    return false;
  }
  // Filtered when one refusal covers the offer: more than was refused (say
  // after a task ended) is offered again.
  return std::any_of(live.begin(), live.end(),
                     [&](const refusal& r) { return r.refused.contains(offerable); });
}

bool allocator_process::allocatable(const common::resources& r) const {
  return r.scalar("cpus") >= options_.min_allocatable_cpus ||
         r.scalar("mem") >= options_.min_allocatable_mem;
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
  delay(options_.allocation_interval, [this] { periodic_pass(); });
}

void allocator_process::run_pass() {
  internal::AllocatorOffers offers;
  // Agents in a random order each pass (deterministic in the harness), so
  // no agent is always offered first.
  std::vector<std::pair<const std::string*, agent_entry*>> order;
  order.reserve(agents_.size());
  for (auto& [id, agent] : agents_)
    if (agent.active)
      order.emplace_back(&id, &agent);
  for (std::size_t i = order.size(); i > 1; --i)
    std::swap(order[i - 1], order[random() % i]);
  for (auto [id, entry] : order) {
    auto& agent_id = *id;
    auto& agent = *entry;
    auto available = agent.total - agent.allocated;
    if (available.empty())
      continue;
    for (auto& role : role_sorter_.sort()) {
      auto sorter = framework_sorters_.find(role);
      if (sorter == framework_sorters_.end())
        continue;
      for (auto& framework_id : sorter->second.sort()) {
        auto& framework = frameworks_[framework_id];
        if (!framework.active || framework.suppressed.count(role) > 0)
          continue;
        auto offerable = available.usable_by(role);
        if (!allocatable(offerable) || filtered(framework, agent_id, offerable))
          continue;
        auto allocation = offerable.allocated_to(role);
        track(framework_id, agent_id, allocation);
        available -= offerable;
        auto* added = offers.add_allocations();
        added->mutable_framework_id()->set_value(framework_id);
        added->mutable_agent_id()->set_value(agent_id);
        added->set_role(role);
        allocation.copy_to(added->mutable_resources());
        if (available.empty())
          break;
      }
      if (available.empty())
        break;
    }
  }
  if (offers.allocations_size() > 0)
    send(master_, std::move(offers));
}

}  // namespace mensa::allocator
