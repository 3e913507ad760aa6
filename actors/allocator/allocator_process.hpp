#pragma once

#include <string>

#include "actors/allocator/allocator_options.hpp"
#include "actors/allocator/hierarchical_allocator.hpp"
#include "mensa/internal/allocator.pb.h"
#include "mensa/internal/operator.pb.h"
#include "runtime/metrics.hpp"
#include "runtime/process.hpp"

namespace mensa::allocator {

/// Decides who gets which resources: the allocator actor. It feeds the
/// master's messages to a `hierarchical_allocator` (hierarchical DRF with
/// weights, quota, reservations and decline filters) and sends the master
/// what each pass allocated. A pass runs every interval and after events
/// (framework added, activated or revived, agent added or activated,
/// resources recovered, weights or quota changed), with at most one pass
/// pending.
class allocator_process : public runtime::process {
 public:
  allocator_process(runtime::process_config& cfg, runtime::node& owner, address self,
                    address master, allocator_options options = {});

 protected:
  void on_start() override;

 private:
  bool from_master(const address& from) const;
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
  void on_update_weights(const address& from, const internal::UpdateWeights& msg);
  void on_update_quota(const address& from, const internal::UpdateQuota& msg);
  void on_run_pass(const address& from, const internal::AllocatorRunPass& msg);

  void request_pass();
  void periodic_pass();
  void run_pass();

  address master_;
  runtime::duration interval_;
  hierarchical_allocator allocator_;
  bool pass_requested_ = false;
  /// `allocator/mesos/allocation_runs` and `allocator/mesos/allocation_run`
  /// (milliseconds per pass), as Mesos names them.
  runtime::counter* allocation_runs_ = nullptr;
  runtime::timing* allocation_run_ = nullptr;
};

}  // namespace mensa::allocator
