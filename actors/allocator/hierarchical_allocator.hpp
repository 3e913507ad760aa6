#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/allocator/allocator_options.hpp"
#include "actors/allocator/drf_sorter.hpp"
#include "actors/allocator/resource_quantities.hpp"
#include "actors/common/resources.hpp"
#include "runtime/time.hpp"

namespace mensa::allocator {

/// One decision of an allocation pass: resources of an agent for a
/// framework, in one of its roles (to be offered).
struct allocation {
  std::string framework_id;
  std::string agent_id;
  std::string role;
  /// Allocated to `role`, as the offer carries them.
  common::resources resources;
};

/// A role's quota in the allocator's terms.
struct role_quota {
  /// Offered to the role before fair shares, as far as the cluster has it.
  resource_quantities guarantees;
  /// Never exceeded by what the role and its subroles hold (reservations
  /// included); names absent have no limit, 0 is a limit.
  std::map<std::string, double> limits;
};

/// Hierarchical Dominant Resource Fairness with quota, as plain C++ (the
/// allocator actor feeds it). A pass offers each agent's available
/// resources in two stages:
///
/// 1. Guarantees: roles under a quota guarantee that is not met yet, by
///    weighted dominant share, get what their guarantee still lacks.
/// 2. Fair shares: every role that wants offers, by weighted dominant share
///    (siblings in the role tree compared by their whole subtree), then its
///    frameworks by dominant share within the role.
///
/// No role ever goes past a limit of its own or of an ancestor; and stage 2
/// keeps as headroom the unreserved resources that unmet guarantees still
/// need. Reserved resources go only to their role and its subroles, and
/// count toward the role's share and quota from the start. A framework's
/// refusals (declines) filter an agent for that framework and role while
/// they cover the offer.
///
/// A pass visits only agents with something to offer, and the sorters keep
/// their order between passes, so a pass costs what changed.
class hierarchical_allocator {
 public:
  using time_point = runtime::time_point;

  explicit hierarchical_allocator(allocator_options options = {});

  // -- frameworks ------------------------------------------------------------

  /// Adds a framework subscribed to `roles`; `suppressed` roles get no offers.
  void add_framework(const std::string& id, const std::vector<std::string>& roles,
                     bool active, const std::set<std::string>& suppressed);

  /// Changes a framework's roles and suppressed roles.
  void update_framework(const std::string& id, const std::vector<std::string>& roles,
                        const std::set<std::string>& suppressed);

  /// Removes a framework and what it holds.
  void remove_framework(const std::string& id);

  /// An inactive framework keeps what it holds but gets no offers.
  void activate_framework(const std::string& id, bool active);

  /// Stops offers to the framework in `roles` (all its roles when empty).
  void suppress(const std::string& id, const std::vector<std::string>& roles);

  /// Resumes offers in `roles` (all when empty) and clears the framework's
  /// refusals in them.
  void revive(const std::string& id, const std::vector<std::string>& roles);

  // -- agents ----------------------------------------------------------------

  /// Adds an agent with `total` resources (static reservations included).
  void add_agent(const std::string& id, const common::resources& total);

  /// Removes an agent; what frameworks held there is forgotten.
  void remove_agent(const std::string& id);

  /// An inactive agent keeps its allocations but is not offered.
  void activate_agent(const std::string& id, bool active);

  // -- resources -------------------------------------------------------------

  /// Records resources a framework holds on an agent (after a failover);
  /// each resource's allocation role says in which role.
  void add_used(const std::string& framework, const std::string& agent,
                const common::resources& used);

  /// Takes back resources (declined, unused, freed). With `refuse_for`, the
  /// framework refuses them on that agent for that long.
  void recover(const std::string& framework, const std::string& agent,
               const common::resources& resources,
               std::optional<runtime::duration> refuse_for, time_point now);

  // -- roles -----------------------------------------------------------------

  /// Sets a role's weight (> 0; default 1).
  void set_weight(const std::string& role, double weight);

  /// Sets roles' quota (each replacing the role's whole quota); an empty
  /// one removes it. One call for many roles costs about what one costs.
  void set_quotas(std::map<std::string, role_quota> quotas);

  // -- allocation ------------------------------------------------------------

  /// Runs a pass: agents are visited in an order shuffled by `seed`.
  std::vector<allocation> allocate(time_point now, uint64_t seed);

  // -- inspection ------------------------------------------------------------

  /// Returns what `role` and its subroles hold toward quota: unreserved
  /// allocations and every reservation.
  const resource_quantities& consumed(const std::string& role) const;

  /// Returns the weighted dominant share of `role` (with its subroles).
  double role_share(const std::string& role) const;

  /// Returns the number of agents.
  std::size_t agent_count() const noexcept { return agents_.size(); }

 private:
  struct refusal {
    std::string role;
    common::resources refused;
    /// The amounts of `refused` when it is only unreserved scalars: then
    /// comparing amounts tells whether it covers an offer of such.
    std::optional<resource_quantities> amounts;
    time_point expires;
  };

  struct framework_state {
    /// Its key in `frameworks_`.
    const std::string* id = nullptr;
    std::vector<std::string> roles;
    bool active = true;
    std::set<std::string> suppressed;
    /// Live refusals by agent: each stands alone (Mesos's offer filters),
    /// so refusing a little twice never refuses more.
    std::unordered_map<std::string, std::vector<refusal>> refusals;
    /// What it holds by agent, with allocation roles.
    std::unordered_map<std::string, common::resources> allocated;
  };

  struct agent_state {
    /// Its key in `agents_`.
    const std::string* id = nullptr;
    /// The scalar amounts of all it has, and of what is reserved, by role:
    /// all that taking it out of the totals needs.
    resource_quantities total_amounts;
    std::map<std::string, resource_quantities> reserved_amounts;
    common::resources available;
    /// The scalar amounts of `available`.
    resource_quantities available_amounts;
    bool reserved = false;
    bool active = true;
    bool offerable = false;
    /// Its place in `offerable_` while offerable.
    std::size_t offerable_at = 0;
    /// The frameworks holding something here (their `framework_state::id`).
    std::unordered_set<const std::string*> holders;
  };

  /// What a role may be offered of an agent.
  struct shaped_offer {
    /// Everything the agent has available: taken from it without a copy.
    bool whole = false;
    /// The offer when not `whole`.
    common::resources resources;
    resource_quantities amounts;
  };

  struct quota_state {
    std::string role;
    role_quota quota;
    bool met = true;
    /// Its limits leave no room for an offer worth making.
    bool limited = false;
    /// Set on outermost guarantees (no ancestor has one): what they lack.
    bool outermost = false;
    resource_quantities deficit;
  };

  struct role_state {
    explicit role_state(std::shared_ptr<drf_sorter_base::cluster_total> total)
        : frameworks(false, std::move(total)) {}

    drf_sorter<framework_state> frameworks;
    std::size_t subscribers = 0;
    resource_quantities reserved;
    drf_sorter_base::handle in_role_sorter;
    /// The quotas on the role's line (itself and its ancestors), outermost
    /// first, each with what its role consumes.
    std::vector<std::pair<quota_state*, const resource_quantities*>> quota_line;
    /// The outermost guarantee on the line, whose deficit is the role's own
    /// part of the headroom; null when there is none.
    const quota_state* outermost_guarantee = nullptr;
  };

  enum class stage { guarantees, fair_share };

  /// The roles wanting offers, in `role_sorter_`.
  static constexpr std::size_t fair_share_selection = 0;
  /// Those of them under an unmet guarantee.
  static constexpr std::size_t guarantee_selection = 1;

  role_state& ensure_role(const std::string& role);
  void drop_role_if_unused(const std::string& role);
  void refresh_activity(const std::string& role);
  void refresh_activity(role_state& r);
  static std::string default_role(const framework_state& f);
  void refresh_framework_activity(const std::string& framework,
                                  const framework_state& f, const std::string& role);
  void subscribe(const std::string& framework, framework_state& f,
                 const std::string& role);
  void update_quota_line(const std::string& role, role_state& r);
  void update_quota_state(role_state& r);
  /// Whether one of the smallest offers worth making fits: `fits(index,
  /// amount)` holds for each of its resources (by resource index).
  template <class Fits>
  bool some_minimum_fits(Fits fits) const {
    return std::any_of(options_.min_allocatable.begin(), options_.min_allocatable.end(),
                       [&](const resource_quantities& min) { return min.every(fits); });
  }
  bool guarantee_met(const quota_state& state,
                     const resource_quantities& consumed) const;
  bool limits_leave_room(const quota_state& state,
                         const resource_quantities& consumed) const;
  bool headroom_exhausted() const;
  void recompute_quota_structure();
  void refresh_available(agent_state& agent);
  void set_offerable(agent_state& agent, bool offerable);
  common::resources take(agent_state& agent, shaped_offer& offer);
  void track(framework_state& f, agent_state& agent, role_state& r,
             const common::resources& resources, const resource_quantities& amounts);
  void release(const std::string& framework, agent_state* agent,
               const std::string& role, common::resources part);
  void untrack(const std::string& framework, const std::string& agent,
               const common::resources& resources);
  void change_role_allocation(role_state& role, const resource_quantities& r, bool add);
  bool allocatable(const resource_quantities& r) const;

  // allocation.cpp: the allocation pass.
  double quota_cap(const std::string& name, std::size_t index,
                   const role_state& role_record, stage s, bool& needed) const;
  std::optional<shaped_offer> shape_offer(const agent_state& agent,
                                          const std::string& role, const role_state& r,
                                          stage s);
  // Whether a refusal of `framework` covers `offer` of `agent` to `role`;
  // `amounts` are the offer's when it is only unreserved scalars, else null.
  bool filtered(framework_state& framework, const std::string& agent,
                const std::string& role, const common::resources& offer,
                const resource_quantities* amounts, time_point now);
  void allocate_on(agent_state& agent, stage s, time_point now,
                   std::vector<allocation>& out);

  allocator_options options_;
  std::unordered_map<std::string, framework_state> frameworks_;
  std::unordered_map<std::string, agent_state> agents_;
  /// The agents with something to offer: a pass visits only these, and a
  /// pass with nothing to offer costs nothing per agent.
  std::vector<agent_state*> offerable_;
  std::map<std::string, role_state> roles_;
  std::map<std::string, quota_state> quotas_;
  /// Every role, by weighted dominant share; both stages visit it.
  drf_sorter<role_state> role_sorter_{true};
  resource_quantities unallocated_unreserved_;
  resource_quantities required_headroom_;
};

}  // namespace mensa::allocator
