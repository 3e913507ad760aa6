#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"
#include "runtime/address.hpp"
#include "runtime/expected.hpp"

namespace mensa::runtime {

/// How a node reaches processes on other nodes. A node owns exactly one:
/// sockets through CAF's middleman in production (network_transport), an
/// in-memory network in the deterministic harness (runtime/testing).
class transport {
 public:
  /// Receives the outcome of `resolve`, in the context of the asking actor.
  using resolve_callback = std::function<void(expected<caf::actor>)>;

  virtual ~transport() = default;

  /// Makes `directory` (which answers `lookup_atom` requests) reachable by
  /// other nodes at `ip:port`; port 0 picks a free one. Returns the port.
  virtual expected<uint16_t> listen(const caf::actor& directory, const std::string& ip,
                                    uint16_t port) = 0;

  /// Finds the actor behind `to`, which lives on another node, without
  /// blocking: `done` runs later in `self`'s context (or at once if the
  /// answer is known). The actor handle it gets can be monitored: its node's
  /// loss ends it with `exit_reason::remote_link_unreachable`.
  virtual void resolve(caf::event_based_actor* self, const address& to,
                       resolve_callback done) = 0;
};

}  // namespace mensa::runtime
