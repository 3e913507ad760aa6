// The hierarchical allocator's allocation pass: which roles and frameworks
// are offered what of each agent, in the guarantee stage and then by fair
// share, with quota cutting what a role is offered and refusals filtering
// what a framework declined.

#include <algorithm>
#include <cmath>
#include <random>

#include "actors/allocator/hierarchical_allocator.hpp"

namespace mensa::allocator {

namespace {

// `source` with each cut entry (entry index, amount offered) shrunk to its
// amount, and left out when that is nothing.
common::resources cut_down(const common::resources& source,
                           const std::vector<std::pair<std::size_t, double>>& cuts) {
  common::resources result;
  auto cut = cuts.begin();
  for (std::size_t i = 0; i < source.entries().size(); ++i) {
    auto& entry = source.entries()[i];
    if (cut == cuts.end() || cut->first != i) {
      result.add(entry);
      continue;
    }
    if (cut->second > 0) {
      auto shrunk = entry;
      shrunk.mutable_scalar()->set_value(cut->second);
      result.add(shrunk);
    }
    ++cut;
  }
  return result;
}

}  // namespace

bool hierarchical_allocator::filtered(framework_state& framework,
                                      const std::string& agent, const std::string& role,
                                      const common::resources& offer,
                                      const resource_quantities* amounts,
                                      time_point now) {
  if (framework.refusals.empty())
    return false;
  auto i = framework.refusals.find(agent);
  if (i == framework.refusals.end())
    return false;
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
  return std::any_of(live.begin(), live.end(), [&](const refusal& r) {
    if (r.role != role)
      return false;
    return amounts != nullptr && r.amounts ? r.amounts->contains(*amounts)
                                           : r.refused.contains(offer);
  });
}

// How much of unreserved scalar `name` (resource index `index`) quota lets
// `role_record` be offered in stage `s`: its line's limits less what the
// line consumed, in the guarantee stage cut to what unmet guarantees lack
// (`needed` set when one still lacks some); outside guarantees, the
// headroom unmet guarantees of other roles need stays free.
double hierarchical_allocator::quota_cap(const std::string& name, std::size_t index,
                                         const role_state& role_record, stage s,
                                         bool& needed) const {
  double cap = INFINITY;
  bool guaranteed = false;
  for (auto& [state, consumed_by_line] : role_record.quota_line) {
    auto& quota = state->quota;
    auto consumed = consumed_by_line->get(index);
    if (auto limit = quota.limits.find(name); limit != quota.limits.end())
      cap = std::min(cap, limit->second - consumed);
    if (s == stage::guarantees && !state->met && quota.guarantees.get(index) > 0) {
      auto lack = quota.guarantees.get(index) - consumed;
      cap = std::min(cap, std::max(0.0, lack));
      guaranteed = true;
      needed = needed || lack > 0;
    }
  }
  if (!guaranteed) {
    auto required = required_headroom_.get(index);
    if (required > 0) {
      auto* outermost = role_record.outermost_guarantee;
      auto own = outermost ? outermost->deficit.get(index) : 0;
      cap = std::min(cap, unallocated_unreserved_.get(index) - (required - own));
    }
  }
  return cap;
}

// What `role` may be offered of the agent's available resources in stage
// `s`: what it may use (unreserved, or reserved for its line), with
// unreserved scalars cut to what quota_cap allows. Nothing in the
// guarantee stage unless a guarantee still lacks some of it.
std::optional<hierarchical_allocator::shaped_offer> hierarchical_allocator::shape_offer(
    const agent_state& agent, const std::string& role, const role_state& r, stage s) {
  // What the role may use; all the agent has unless some is reserved for
  // others.
  common::resources usable;
  if (agent.reserved)
    usable = agent.available.usable_by(role);
  bool all_usable =
      !agent.reserved || usable.entries().size() == agent.available.entries().size();
  auto& source = all_usable ? agent.available : usable;
  std::vector<std::pair<std::size_t, double>> cuts;
  bool needed = false;
  for (std::size_t i = 0; !quotas_.empty() && i < source.entries().size(); ++i) {
    auto& entry = source.entries()[i];
    if (entry.type() != v1::Value::SCALAR || entry.reservations_size() > 0)
      continue;
    auto index = resource_quantities::index_of(entry.name());
    auto cap = quota_cap(entry.name(), index, r, s, needed);
    auto amount = common::round_scalar(std::min(entry.scalar().value(), cap));
    if (amount < entry.scalar().value())
      cuts.emplace_back(i, amount);
  }
  if (s == stage::guarantees && !needed)
    return std::nullopt;
  shaped_offer offer;
  if (cuts.empty() && all_usable) {
    offer.whole = true;
    offer.amounts = agent.available_amounts;
  } else {
    offer.resources = cuts.empty() ? std::move(usable) : cut_down(source, cuts);
    offer.amounts = resource_quantities::of(offer.resources);
  }
  if (!allocatable(offer.amounts))
    return std::nullopt;
  return offer;
}

void hierarchical_allocator::allocate_on(agent_state& agent, stage s, time_point now,
                                         std::vector<allocation>& out) {
  auto& agent_id = *agent.id;
  bool allocated = true;
  while (allocated && agent.offerable) {
    // With the headroom used up, only roles under unmet guarantees (those
    // the guarantee stage visits) can get unreserved resources.
    bool guarantees_only =
        s == stage::guarantees || (!agent.reserved && headroom_exhausted());
    auto selection = guarantees_only ? guarantee_selection : fair_share_selection;
    allocated = role_sorter_.visit(
        [&](const std::string& role, role_state* role_record) {
          auto& r = *role_record;
          auto offer = shape_offer(agent, role, r, s);
          if (!offer)
            return false;
          auto& offered = offer->whole ? agent.available : offer->resources;
          auto* plain =
              resource_quantities::describe_whole(offered) ? &offer->amounts : nullptr;
          return r.frameworks.visit(
              [&](const std::string& framework_id, framework_state* record) {
                auto& framework = *record;
                if (filtered(framework, agent_id, role, offered, plain, now))
                  return false;
                auto resources = take(agent, *offer).allocated_to(role);
                track(framework, agent, r, resources, offer->amounts);
                out.push_back({framework_id, agent_id, role, std::move(resources)});
                return true;
              });
        },
        selection);
  }
}

std::vector<allocation> hierarchical_allocator::allocate(time_point now,
                                                         uint64_t seed) {
  std::vector<allocation> result;
  // Agents in a random order each pass (deterministic for a seed), so no
  // agent is always offered first.
  auto order = offerable_;
  std::mt19937_64 random(seed);
  for (std::size_t i = order.size(); i > 1; --i)
    std::swap(order[i - 1], order[random() % i]);
  for (auto* agent : order) {
    if (role_sorter_.active_count(guarantee_selection) > 0)
      allocate_on(*agent, stage::guarantees, now, result);
    if (agent->offerable)
      allocate_on(*agent, stage::fair_share, now, result);
  }
  return result;
}

}  // namespace mensa::allocator
