#include "actors/allocator/hierarchical_allocator.hpp"

#include <algorithm>

#include "actors/common/roles.hpp"

namespace mensa::allocator {

namespace {

// Splits resources by the role they are allocated to; `otherwise` for
// resources without one. Mostly they are all in one role: then they move
// whole, uncopied.
std::map<std::string, common::resources> by_role(common::resources r,
                                                 const std::string& otherwise) {
  std::map<std::string, common::resources> result;
  if (r.empty())
    return result;
  auto first = common::allocation_role(r.entries().front());
  if (std::all_of(r.entries().begin(), r.entries().end(),
                  [&](auto& e) { return common::allocation_role(e) == first; })) {
    auto role = first.empty() ? otherwise : std::string(first);
    result.emplace(std::move(role), std::move(r));
    return result;
  }
  for (auto& entry : r.entries()) {
    auto role = common::allocation_role(entry);
    result[role.empty() ? otherwise : std::string(role)].add(entry);
  }
  return result;
}

bool has_reservations(const common::resources& r) {
  return std::any_of(r.entries().begin(), r.entries().end(),
                     [](const v1::Resource& x) { return x.reservations_size() > 0; });
}

// What reserved resources are reserved for, by role.
std::map<std::string, resource_quantities> reservations_of(const common::resources& r) {
  std::map<std::string, resource_quantities> result;
  for (auto& entry : r.entries())
    if (entry.reservations_size() > 0 && entry.type() == v1::Value::SCALAR) {
      auto& q = result[std::string(common::reservation_role(entry))];
      q.set(entry.name(), q.get(entry.name()) + entry.scalar().value());
    }
  return result;
}

}  // namespace

hierarchical_allocator::hierarchical_allocator(allocator_options options)
    : options_(std::move(options)) {
  role_sorter_.exclude_from_fairness(options_.fairness_excluded);
}

// -- roles --------------------------------------------------------------------

hierarchical_allocator::role_state& hierarchical_allocator::ensure_role(
    const std::string& role) {
  auto i = roles_.find(role);
  if (i != roles_.end())
    return i->second;
  auto& state = roles_.try_emplace(role, role_sorter_.shared_total()).first->second;
  state.frameworks.exclude_from_fairness(options_.fairness_excluded);
  state.in_role_sorter = role_sorter_.add(role, &state);
  role_sorter_.activate(state.in_role_sorter, false, fair_share_selection);
  update_quota_line(role, state);
  return state;
}

void hierarchical_allocator::drop_role_if_unused(const std::string& role) {
  auto i = roles_.find(role);
  if (i == roles_.end() || i->second.subscribers > 0 || !i->second.reserved.empty() ||
      !i->second.frameworks.empty())
    return;
  role_sorter_.remove(role);
  roles_.erase(i);
}

void hierarchical_allocator::update_quota_line(const std::string& role, role_state& r) {
  r.quota_line.clear();
  r.outermost_guarantee = nullptr;
  if (quotas_.empty())
    return;
  for (auto& path : common::lineage(role)) {
    auto q = quotas_.find(path);
    if (q == quotas_.end())
      continue;
    r.quota_line.emplace_back(&q->second, &role_sorter_.allocation(path));
    if (q->second.outermost)
      r.outermost_guarantee = &q->second;
  }
}

// A role wants offers when one of its frameworks does and no limit on its
// line is reached; it takes part in the guarantee stage while a guarantee
// on its line is unmet.
void hierarchical_allocator::refresh_activity(const std::string& role) {
  if (auto i = roles_.find(role); i != roles_.end())
    refresh_activity(i->second);
}

void hierarchical_allocator::refresh_activity(role_state& r) {
  bool wanting = r.frameworks.active_count() > 0;
  bool unmet = false;
  for (auto& [state, _] : r.quota_line) {
    wanting = wanting && !state->limited;
    unmet = unmet || !state->met;
  }
  role_sorter_.activate(r.in_role_sorter, wanting, fair_share_selection);
  role_sorter_.activate(r.in_role_sorter, wanting && unmet, guarantee_selection);
}

bool hierarchical_allocator::limits_leave_room(
    const quota_state& state, const resource_quantities& consumed) const {
  auto& limits = state.quota.limits;
  if (limits.empty())
    return true;
  return some_minimum_fits([&](std::size_t index, double amount) {
    auto limit = limits.find(resource_quantities::name_of(index));
    return limit == limits.end() || limit->second - consumed.get(index) >= amount;
  });
}

// A guarantee is met once what it lacks could not make an offer worth
// making: no smallest allocatable offer fits in the shortfall of what it
// names. Otherwise the crumbs that rounding leaves (0.002 MB short) would
// keep a role under its guarantee for ever, and every agent would try it
// in vain.
bool hierarchical_allocator::guarantee_met(const quota_state& state,
                                           const resource_quantities& consumed) const {
  auto& guarantees = state.quota.guarantees;
  if (consumed.contains(guarantees))
    return true;
  auto lack = guarantees - consumed;
  return !some_minimum_fits([&](std::size_t index, double amount) {
    return guarantees.get(index) == 0 || lack.get(index) >= amount;
  });
}

// Whether what stays free beyond the headroom unmet guarantees need is too
// little for any offer: then only roles under an unmet guarantee (or
// agents with reservations) can be offered anything.
bool hierarchical_allocator::headroom_exhausted() const {
  if (required_headroom_.empty())
    return false;
  return !some_minimum_fits([&](std::size_t index, double amount) {
    return unallocated_unreserved_.get(index) - required_headroom_.get(index) >= amount;
  });
}

// After what `role` consumes changed: guarantees and limits on its path may
// have been met (or lost), and what outermost guarantees lack changes the
// headroom.
void hierarchical_allocator::update_quota_state(role_state& r) {
  for (auto& [state, consumed_by_line] : r.quota_line) {
    auto& consumed = *consumed_by_line;
    if (state->outermost) {
      auto deficit = state->quota.guarantees - consumed;
      if (!(deficit == state->deficit)) {
        required_headroom_ -= state->deficit;
        required_headroom_ += deficit;
        state->deficit = std::move(deficit);
      }
    }
    bool met = guarantee_met(*state, consumed);
    bool limited = !limits_leave_room(*state, consumed);
    if (met == state->met && limited == state->limited)
      continue;
    state->met = met;
    state->limited = limited;
    auto& path = state->role;
    for (auto i = roles_.lower_bound(path);
         i != roles_.end() && common::is_same_or_ancestor(path, i->first); ++i)
      refresh_activity(i->second);
  }
}

void hierarchical_allocator::recompute_quota_structure() {
  required_headroom_ = {};
  for (auto& [role, state] : quotas_) {
    state.outermost = !state.quota.guarantees.empty();
    auto ancestors = common::lineage(role);
    ancestors.pop_back();
    for (auto& ancestor : ancestors) {
      auto q = quotas_.find(ancestor);
      if (q != quotas_.end() && !q->second.quota.guarantees.empty())
        state.outermost = false;
    }
    auto& consumed = role_sorter_.allocation(role);
    state.met = guarantee_met(state, consumed);
    state.limited = !limits_leave_room(state, consumed);
    state.deficit =
        state.outermost ? state.quota.guarantees - consumed : resource_quantities{};
    required_headroom_ += state.deficit;
  }
  for (auto& [role, r] : roles_) {
    update_quota_line(role, r);
    refresh_activity(r);
  }
}

void hierarchical_allocator::set_weight(const std::string& role, double weight) {
  role_sorter_.set_weight(role, weight);
}

void hierarchical_allocator::set_quotas(std::map<std::string, role_quota> quotas) {
  for (auto& [role, quota] : quotas) {
    if (quota.guarantees.empty() && quota.limits.empty()) {
      quotas_.erase(role);
      continue;
    }
    auto& state = quotas_[role];
    state.role = role;
    state.quota = std::move(quota);
  }
  recompute_quota_structure();
}

const resource_quantities& hierarchical_allocator::consumed(
    const std::string& role) const {
  return role_sorter_.allocation(role);
}

double hierarchical_allocator::role_share(const std::string& role) const {
  return role_sorter_.share(role);
}

// -- frameworks ---------------------------------------------------------------

std::string hierarchical_allocator::default_role(const framework_state& f) {
  return f.roles.empty() ? std::string("*") : f.roles.front();
}

// A framework wants offers in a role while it is active, subscribed to the
// role and has not suppressed it.
void hierarchical_allocator::refresh_framework_activity(const std::string& framework,
                                                        const framework_state& f,
                                                        const std::string& role) {
  auto r = roles_.find(role);
  if (r == roles_.end())
    return;
  bool subscribed = std::find(f.roles.begin(), f.roles.end(), role) != f.roles.end();
  r->second.frameworks.activate(
      framework, f.active && subscribed && f.suppressed.count(role) == 0);
  refresh_activity(r->second);
}

void hierarchical_allocator::subscribe(const std::string& framework, framework_state& f,
                                       const std::string& role) {
  auto& r = ensure_role(role);
  ++r.subscribers;
  r.frameworks.add(framework, &f);
  refresh_framework_activity(framework, f, role);
}

void hierarchical_allocator::add_framework(const std::string& id,
                                           const std::vector<std::string>& roles,
                                           bool active,
                                           const std::set<std::string>& suppressed) {
  if (frameworks_.count(id) > 0)
    return;
  auto& [key, f] = *frameworks_.try_emplace(id).first;
  f.id = &key;
  f.roles = roles;
  f.active = active;
  f.suppressed = suppressed;
  for (auto& role : roles)
    subscribe(id, f, role);
}

void hierarchical_allocator::update_framework(const std::string& id,
                                              const std::vector<std::string>& roles,
                                              const std::set<std::string>& suppressed) {
  auto i = frameworks_.find(id);
  if (i == frameworks_.end())
    return;
  auto& f = i->second;
  f.suppressed = suppressed;
  auto old_roles = std::move(f.roles);
  f.roles = roles;
  for (auto& role : old_roles) {
    if (std::find(roles.begin(), roles.end(), role) != roles.end()) {
      refresh_framework_activity(id, f, role);
      continue;
    }
    // Left: what it holds in the role stays counted there until released.
    --roles_.at(role).subscribers;
    refresh_framework_activity(id, f, role);
  }
  for (auto& role : roles)
    if (std::find(old_roles.begin(), old_roles.end(), role) == old_roles.end())
      subscribe(id, f, role);
}

void hierarchical_allocator::remove_framework(const std::string& id) {
  auto i = frameworks_.find(id);
  if (i == frameworks_.end())
    return;
  auto held = i->second.allocated;
  for (auto& [agent, resources] : held)
    untrack(id, agent, resources);
  auto subscribed = i->second.roles;
  frameworks_.erase(i);
  std::vector<std::string> touched;
  for (auto& [role, r] : roles_) {
    if (!r.frameworks.contains(id))
      continue;
    r.frameworks.remove(id);
    if (std::find(subscribed.begin(), subscribed.end(), role) != subscribed.end())
      --r.subscribers;
    touched.push_back(role);
  }
  for (auto& role : touched) {
    refresh_activity(role);
    drop_role_if_unused(role);
  }
}

void hierarchical_allocator::activate_framework(const std::string& id, bool active) {
  auto i = frameworks_.find(id);
  if (i == frameworks_.end())
    return;
  auto& f = i->second;
  f.active = active;
  for (auto& role : f.roles)
    refresh_framework_activity(id, f, role);
}

void hierarchical_allocator::suppress(const std::string& id,
                                      const std::vector<std::string>& roles) {
  auto i = frameworks_.find(id);
  if (i == frameworks_.end())
    return;
  auto& f = i->second;
  for (auto& role : roles.empty() ? f.roles : roles) {
    f.suppressed.insert(role);
    refresh_framework_activity(id, f, role);
  }
}

void hierarchical_allocator::revive(const std::string& id,
                                    const std::vector<std::string>& roles) {
  auto i = frameworks_.find(id);
  if (i == frameworks_.end())
    return;
  auto& f = i->second;
  auto& revived = roles.empty() ? f.roles : roles;
  for (auto& role : revived) {
    f.suppressed.erase(role);
    refresh_framework_activity(id, f, role);
  }
  for (auto& [agent, refusals] : f.refusals)
    refusals.erase(std::remove_if(refusals.begin(), refusals.end(),
                                  [&](const refusal& r) {
                                    return std::find(revived.begin(), revived.end(),
                                                     r.role) != revived.end();
                                  }),
                   refusals.end());
}

// -- agents -------------------------------------------------------------------

// After `available` changed, or the agent's activity.
void hierarchical_allocator::refresh_available(agent_state& agent) {
  agent.available_amounts = resource_quantities::of(agent.available);
  set_offerable(agent, agent.active && allocatable(agent.available_amounts));
}

void hierarchical_allocator::set_offerable(agent_state& agent, bool offerable) {
  if (agent.offerable == offerable)
    return;
  agent.offerable = offerable;
  if (offerable) {
    agent.offerable_at = offerable_.size();
    offerable_.push_back(&agent);
    return;
  }
  auto* last = offerable_.back();
  offerable_[agent.offerable_at] = last;
  last->offerable_at = agent.offerable_at;
  offerable_.pop_back();
}

void hierarchical_allocator::add_agent(const std::string& id,
                                       const common::resources& total) {
  if (agents_.count(id) > 0)
    return;
  auto& [key, agent] = *agents_.try_emplace(id).first;
  agent.id = &key;
  agent.available = total;
  agent.reserved = has_reservations(total);
  refresh_available(agent);
  agent.total_amounts = resource_quantities::of(total);
  role_sorter_.add_total(agent.total_amounts);
  if (!agent.reserved) {
    unallocated_unreserved_ += agent.total_amounts;
    return;
  }
  unallocated_unreserved_ += resource_quantities::of(total.unreserved());
  agent.reserved_amounts = reservations_of(total);
  for (auto& [role, reserved] : agent.reserved_amounts) {
    auto& r = ensure_role(role);
    r.reserved += reserved;
    change_role_allocation(r, reserved, true);
  }
}

void hierarchical_allocator::remove_agent(const std::string& id) {
  auto i = agents_.find(id);
  if (i == agents_.end())
    return;
  auto holders = i->second.holders;
  for (auto* framework : holders) {
    auto f = frameworks_.find(*framework);
    if (f == frameworks_.end())
      continue;
    auto held = f->second.allocated.find(id);
    if (held != f->second.allocated.end())
      untrack(*framework, id, common::resources(held->second));
  }
  for (auto& [_, f] : frameworks_)
    f.refusals.erase(id);
  auto& agent = i->second;
  unallocated_unreserved_ -= resource_quantities::of(agent.available.unreserved());
  for (auto& [role, amounts] : agent.reserved_amounts) {
    auto& r = roles_.at(role);
    r.reserved -= amounts;
    change_role_allocation(r, amounts, false);
    drop_role_if_unused(role);
  }
  role_sorter_.subtract_total(agent.total_amounts);
  set_offerable(agent, false);
  agents_.erase(i);
}

void hierarchical_allocator::activate_agent(const std::string& id, bool active) {
  auto i = agents_.find(id);
  if (i == agents_.end())
    return;
  i->second.active = active;
  refresh_available(i->second);
}

// -- resources ----------------------------------------------------------------

bool hierarchical_allocator::allocatable(const resource_quantities& r) const {
  return some_minimum_fits(
      [&](std::size_t index, double amount) { return r.get(index) >= amount; });
}

void hierarchical_allocator::change_role_allocation(role_state& role,
                                                    const resource_quantities& r,
                                                    bool add) {
  if (r.empty())
    return;
  if (add) {
    role_sorter_.allocated(role.in_role_sorter, r);
  } else {
    role_sorter_.unallocated(role.in_role_sorter, r);
  }
  if (!role.quota_line.empty())
    update_quota_state(role);
}

// Takes what `offer` holds out of the agent's available resources.
common::resources hierarchical_allocator::take(agent_state& agent,
                                               shaped_offer& offer) {
  common::resources taken;
  if (offer.whole) {
    taken = std::move(agent.available);
    agent.available = {};
  } else {
    agent.available -= offer.resources;
    taken = std::move(offer.resources);
  }
  refresh_available(agent);
  return taken;
}

// `resources` (allocated to the role `r`, with `amounts`) were taken from
// the agent for `f`; reservations for the role's line were counted when
// the agent came, so only unreserved ones add to the role's share.
void hierarchical_allocator::track(framework_state& f, agent_state& agent,
                                   role_state& r, const common::resources& resources,
                                   const resource_quantities& amounts) {
  agent.holders.insert(f.id);
  auto unreserved =
      agent.reserved ? resource_quantities::of(resources.unreserved()) : amounts;
  unallocated_unreserved_ -= unreserved;
  auto& held = f.allocated[*agent.id];
  if (held.empty())
    held = resources;
  else
    held += resources;
  auto client = r.frameworks.find(*f.id);
  if (!client) {
    client = r.frameworks.add(*f.id, &f);
    r.frameworks.activate(client, false);
  }
  r.frameworks.allocated(client, amounts);
  change_role_allocation(r, unreserved, true);
}

// `part`, allocated to `role`, goes back to the agent (when it is still
// there) and leaves the role's and the framework's shares.
void hierarchical_allocator::release(const std::string& framework, agent_state* agent,
                                     const std::string& role, common::resources part) {
  auto plain = std::move(part).unallocated();
  auto amounts = resource_quantities::of(plain);
  auto unreserved =
      has_reservations(plain) ? resource_quantities::of(plain.unreserved()) : amounts;
  if (auto r = roles_.find(role); r != roles_.end()) {
    r->second.frameworks.unallocated(framework, amounts);
    change_role_allocation(r->second, unreserved, false);
  }
  if (agent == nullptr)
    return;
  if (agent->available.empty())
    agent->available = std::move(plain);
  else
    agent->available += plain;
  refresh_available(*agent);
  unallocated_unreserved_ += unreserved;
}

void hierarchical_allocator::untrack(const std::string& framework,
                                     const std::string& agent_id,
                                     const common::resources& resources) {
  auto f = frameworks_.find(framework);
  if (f == frameworks_.end())
    return;
  auto held = f->second.allocated.find(agent_id);
  if (held == f->second.allocated.end())
    return;
  // Never give back more than the framework holds there (all of it, often).
  common::resources released;
  if (resources == held->second) {
    released = std::move(held->second);
    held->second = {};
  } else {
    for (auto& entry : resources.entries()) {
      common::resources one;
      one.add(entry);
      if (held->second.contains(one))
        released += one;
    }
    held->second -= released;
  }
  auto agent = agents_.find(agent_id);
  auto* at = agent == agents_.end() ? nullptr : &agent->second;
  if (held->second.empty()) {
    f->second.allocated.erase(held);
    if (at != nullptr)
      at->holders.erase(f->second.id);
  }
  for (auto& [role, part] : by_role(std::move(released), default_role(f->second)))
    release(framework, at, role, std::move(part));
}

void hierarchical_allocator::add_used(const std::string& framework,
                                      const std::string& agent,
                                      const common::resources& used) {
  auto f = frameworks_.find(framework);
  if (f == frameworks_.end() || agents_.count(agent) == 0)
    return;
  auto& at = agents_.at(agent);
  for (auto& [role, part] : by_role(used, default_role(f->second))) {
    auto plain = part.unallocated();
    at.available -= plain;
    refresh_available(at);
    track(f->second, at, ensure_role(role), std::move(part).allocated_to(role),
          resource_quantities::of(plain));
  }
}

void hierarchical_allocator::recover(const std::string& framework,
                                     const std::string& agent,
                                     const common::resources& resources,
                                     std::optional<runtime::duration> refuse_for,
                                     time_point now) {
  untrack(framework, agent, resources);
  auto f = frameworks_.find(framework);
  if (!refuse_for || f == frameworks_.end() || agents_.count(agent) == 0)
    return;
  // A filter never lasts less than an allocation interval: the next pass
  // must not hand the same resources straight back.
  auto expires = now + std::max(*refuse_for, options_.allocation_interval);
  for (auto& [role, part] : by_role(resources, default_role(f->second))) {
    auto refused = std::move(part).unallocated();
    std::optional<resource_quantities> amounts;
    if (resource_quantities::describe_whole(refused))
      amounts = resource_quantities::of(refused);
    f->second.refusals[agent].push_back(
        {role, std::move(refused), std::move(amounts), expires});
  }
}

}  // namespace mensa::allocator
