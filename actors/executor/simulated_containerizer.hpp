#pragma once

#include "actors/agent/containerizer.hpp"
#include "runtime/node.hpp"

namespace mensa::executor {

/// Returns a containerizer factory for an agent on `n` whose executors are
/// simulated executors on the same node: no OS processes. How the
/// deterministic harness and the control-plane benchmark emulate agents.
agent::containerizer_factory simulated_containerizer(runtime::node& n);

}  // namespace mensa::executor
