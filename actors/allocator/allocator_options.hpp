#pragma once

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "actors/allocator/resource_quantities.hpp"
#include "runtime/time.hpp"

namespace mensa::allocator {

/// How the allocator behaves; `mensa master` flags set these.
struct allocator_options {
  /// Time between periodic allocation passes (events trigger more). Decline
  /// filters never last less than this.
  runtime::duration allocation_interval = std::chrono::seconds(1);
  /// Smallest offers worth making: an offer must hold at least one of
  /// these in full (Mesos's `--min_allocatable_resources`, default
  /// `cpus:0.01|mem:32`).
  std::vector<resource_quantities> min_allocatable = default_min_allocatable();
  /// Resources left out of fair shares, e.g. `gpus` (Mesos's
  /// `--fair_sharing_excluded_resource_names`).
  std::set<std::string> fairness_excluded;

  /// Returns `cpus:0.01` or `mem:32`.
  static std::vector<resource_quantities> default_min_allocatable() {
    resource_quantities cpus;
    cpus.set("cpus", 0.01);
    resource_quantities mem;
    mem.set("mem", 32);
    return {cpus, mem};
  }
};

}  // namespace mensa::allocator
