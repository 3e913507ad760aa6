#pragma once

#include "caf/actor_system.hpp"
#include "caf/io/middleman_actor.hpp"
#include "caf/timespan.hpp"
#include "runtime/transport.hpp"

namespace mensa::runtime {

/// Reaches other nodes over TCP through CAF's middleman (plaintext) or
/// caf_openssl (mutual TLS). Connections are made on demand, never
/// blocking an actor, and each request has a finite timeout.
class network_transport : public transport {
 public:
  /// Uses `sys`'s middleman, or its OpenSSL manager when `tls`.
  network_transport(caf::actor_system& sys, bool tls, caf::timespan timeout);

  expected<uint16_t> listen(const caf::actor& directory, const std::string& ip,
                            uint16_t port) override;

  void resolve(caf::event_based_actor* self, const address& to,
               resolve_callback done) override;

 private:
  caf::actor_system& system_;
  bool tls_;
  caf::timespan timeout_;
};

}  // namespace mensa::runtime
