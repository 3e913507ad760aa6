#pragma once

#include <memory>

#include "caf/actor_system.hpp"
#include "caf/io/middleman_actor.hpp"
#include "runtime/port/port_guard.hpp"

namespace mensa::runtime::port {

/// Spawns the actor a node asks to listen and to connect: CAF's middleman
/// actor, except that the sockets it opens, in and out, are guarded ones
/// (guarded_doorman, guarded_scribe), plaintext or TLS as `guard` says.
/// Ask it `publish_atom` to listen and `connect_atom` to connect, as CAF's.
caf::io::middleman_actor spawn_guarded_middleman(caf::actor_system& sys,
                                                 std::shared_ptr<port_guard> guard);

}  // namespace mensa::runtime::port
