#pragma once

#include "caf/atom.hpp"

namespace mensa::runtime {

/// Asks a node's directory for the actor behind a process name.
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;

/// Starts a freshly spawned process once its node has registered it.
using start_atom = caf::atom_constant<caf::atom("start")>;

/// Fires a timer of a process (see process::delay).
using timer_atom = caf::atom_constant<caf::atom("timer")>;

/// Hands a process an envelope that has already passed the message filter.
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;

/// Sends what a process has queued for other nodes (see process::route).
using flush_atom = caf::atom_constant<caf::atom("flush")>;

/// Runs a function inside a process (see dispatch.hpp).
using dispatch_atom = caf::atom_constant<caf::atom("dispatch")>;

/// Tells a simulated link that its target is gone (runtime/testing).
using link_down_atom = caf::atom_constant<caf::atom("linkdown")>;

}  // namespace mensa::runtime
