#pragma once

#include "caf/actor.hpp"
#include "caf/timespan.hpp"
#include "runtime/address.hpp"
#include "runtime/envelope.hpp"

namespace mensa::runtime {

/// What a message filter decides about one delivery.
struct filter_verdict {
  /// The possible decisions.
  enum class action {
    /// Deliver now.
    pass,
    /// Discard; the receiver never sees it.
    drop,
    /// Deliver after `delay` on the receiving node's clock.
    delay,
    /// Keep it; the filter has taken it and re-delivers it (or not) later.
    hold,
    /// Deliver now, and the same message again after `delay` (a network
    /// that duplicates).
    duplicate,
  };

  /// The decision.
  action what = action::pass;

  /// How long to wait for `action::delay` (and the copy of
  /// `action::duplicate`).
  caf::timespan delay{0};
};

/// A test hook in the spirit of Mesos's DROP_PROTOBUF / FUTURE_PROTOBUF: it
/// sees every envelope a process receives, local or remote, before the
/// process handles it. A node has at most one, set before its processes
/// start; production nodes have none.
///
/// A filter runs in the receiving process's thread. A filter shared by nodes
/// that run on several threads must synchronize itself; the deterministic
/// harness runs everything on one thread.
class message_filter {
 public:
  virtual ~message_filter() = default;

  /// Decides about `e`, addressed to `to`. To take a message (`hold`) and
  /// hand it over later, send `(deliver_atom, e)` to `target`: that bypasses
  /// the filter.
  virtual filter_verdict on_delivery(const envelope& e, const address& to,
                                     const caf::actor& target) = 0;
};

}  // namespace mensa::runtime
