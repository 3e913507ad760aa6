#pragma once

#include <memory>

#include "caf/actor_system.hpp"
#include "caf/io/middleman_actor.hpp"
#include "caf/timespan.hpp"
#include "runtime/transport.hpp"

namespace mensa::runtime {

namespace port {
class port_guard;
}  // namespace port

/// Reaches other nodes over TCP, plaintext or mutual TLS, through CAF's
/// BASP broker behind the node's port guards (runtime/port): every
/// connection, accepted or opened, is framed and checked before CAF parses
/// a byte of it. Connections are made on demand, never blocking an actor,
/// and each request has a finite timeout.
class network_transport : public transport {
 public:
  /// Uses `sys`'s middleman with the sockets `guard` guards.
  network_transport(caf::actor_system& sys, std::shared_ptr<port::port_guard> guard,
                    caf::timespan timeout);

  ~network_transport() override;

  expected<uint16_t> listen(const caf::actor& directory, const std::string& ip,
                            uint16_t port) override;

  void resolve(caf::event_based_actor* self, const address& to,
               resolve_callback done) override;

 private:
  caf::actor_system& system_;
  std::shared_ptr<port::port_guard> guard_;
  caf::io::middleman_actor middleman_;
  caf::timespan timeout_;
};

}  // namespace mensa::runtime
