#pragma once

#include <cstddef>

#include "caf/fwd.hpp"

namespace mensa::runtime {

/// Applies the scheduler settings every mensa node runs with (see the .cpp
/// for what was measured); `worker_threads` 0 means one per core. The
/// benchmark gives raw CAF the same settings, so ratios compare runtimes,
/// not schedulers.
void apply_scheduler_defaults(caf::actor_system_config& cfg,
                              std::size_t worker_threads);

}  // namespace mensa::runtime
