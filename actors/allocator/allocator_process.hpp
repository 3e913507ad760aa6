#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/allocator/drf_sorter.hpp"
#include "actors/common/resources.hpp"
#include "caf/actor_clock.hpp"
#include "mensa/internal/allocator.pb.h"
#include "runtime/process.hpp"

namespace mensa::allocator {

/// How the allocator behaves.
struct allocator_options {
  /// Time between periodic allocation passes (events trigger more).
  caf::timespan allocation_interval = std::chrono::seconds(1);
  /// Smallest offer worth making: this many cpus ...
  double min_allocatable_cpus = 0.01;
  /// ... or this much memory (MB).
  double min_allocatable_mem = 32;
};

/// Decides who gets which resources: the allocator actor. It keeps its own
/// view of agents, frameworks and allocations, fed by the master's
/// messages, and offers each agent's available resources by Dominant
/// Resource Fairness: roles by weighted dominant share, then frameworks
/// within a role. It honours decline filters (per framework and agent, for
/// `refuse_seconds`), suppress and revive, and allocates every interval
/// and after events, with at most one pass pending.
class allocator_process : public runtime::process {
 public:
  allocator_process(caf::actor_config& cfg, runtime::node& owner, address self,
                    address master, allocator_options options = {});

 protected:
  void on_start() override;

 private:
  struct refusal {
    common::resources refused;
    caf::actor_clock::time_point expires;
  };

  struct framework_entry {
    v1::FrameworkInfo info;
    std::vector<std::string> roles;
    bool active = true;
    std::set<std::string> suppressed;
    /// Live decline filters by agent: each refusal stands alone (Mesos's
    /// offer filters), so refusing a little twice never refuses more.
    std::map<std::string, std::vector<refusal>> refusals;
    std::map<std::string, common::resources> allocated;
  };

  struct agent_entry {
    v1::AgentInfo info;
    common::resources total;
    common::resources allocated;
    bool active = true;
  };

  bool from_master(const address& from) const;
  /// Returns the framework if `from` is the master and knows it, else null.
  framework_entry* framework_from_master(const address& from,
                                         const std::string& framework_id);
  void on_add_framework(const address& from,
                        const internal::AllocatorAddFramework& msg);
  void on_update_framework(const address& from,
                           const internal::AllocatorUpdateFramework& msg);
  void on_remove_framework(const address& from,
                           const internal::AllocatorRemoveFramework& msg);
  void on_activate_framework(const address& from,
                             const internal::AllocatorActivateFramework& msg);
  void on_add_agent(const address& from, const internal::AllocatorAddAgent& msg);
  void on_remove_agent(const address& from, const internal::AllocatorRemoveAgent& msg);
  void on_activate_agent(const address& from,
                         const internal::AllocatorActivateAgent& msg);
  void on_recover(const address& from, const internal::AllocatorRecoverResources& msg);
  void on_revive(const address& from, const internal::AllocatorReviveOffers& msg);
  void on_suppress(const address& from, const internal::AllocatorSuppressOffers& msg);
  void on_run_pass(const address& from, const internal::AllocatorRunPass& msg);

  void add_roles(const std::string& framework, framework_entry& entry);
  void track(const std::string& framework, const std::string& agent,
             const common::resources& allocated);
  void untrack(const std::string& framework, const std::string& agent,
               const common::resources& allocated);
  bool filtered(framework_entry& framework, const std::string& agent,
                const common::resources& offerable);
  bool allocatable(const common::resources& r) const;
  void request_pass();
  void periodic_pass();
  void run_pass();

  address master_;
  allocator_options options_;
  std::map<std::string, framework_entry> frameworks_;
  std::map<std::string, agent_entry> agents_;
  drf_sorter role_sorter_;
  std::map<std::string, drf_sorter> framework_sorters_;
  bool pass_requested_ = false;
};

}  // namespace mensa::allocator
