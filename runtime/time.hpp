#pragma once

#include "caf/actor_clock.hpp"
#include "caf/timespan.hpp"

namespace mensa::runtime {

/// A span of time on the runtime clock (nanoseconds).
using duration = caf::timespan;

/// A moment on the runtime clock, which the test harness simulates.
using time_point = caf::actor_clock::time_point;

}  // namespace mensa::runtime
