#pragma once

// The same workloads written directly on CAF, for the ours/raw ratio: plain
// one-way messages both ways, as mensa's runtime sends them. `Payload` is
// void for atom-only messages.

#include <cstdint>
#include <type_traits>
#include <utility>

#include "caf/actor.hpp"
#include "caf/atom.hpp"
#include "caf/stateful_actor.hpp"
#include "tools/bench/bench_report.hpp"

namespace mensa::bench {

using ping_atom = caf::atom_constant<caf::atom("bping")>;
using pong_atom = caf::atom_constant<caf::atom("bpong")>;

/// Sends every ping's payload back to its sender, moved, not copied.
template <class Payload>
caf::behavior raw_echo_server(caf::event_based_actor* self) {
  if constexpr (std::is_void_v<Payload>) {
    return {[self](ping_atom) {
      self->send(caf::actor_cast<caf::actor>(self->current_sender()), pong_atom::value);
    }};
  } else {
    return {[self](ping_atom, Payload& body) {
      self->send(caf::actor_cast<caf::actor>(self->current_sender()), pong_atom::value,
                 std::move(body));
    }};
  }
}

/// State of a raw client.
struct raw_client_state {
  uint64_t sent = 0;
  uint64_t received = 0;
};

/// Keeps `window` pings in flight until `quota` pongs arrived.
template <class Payload, class... Body>
caf::behavior raw_windowed_client(caf::stateful_actor<raw_client_state>* self,
                                  caf::actor server, uint64_t quota, std::size_t window,
                                  countdown* done, Body... body) {
  auto& st = self->state;
  for (; st.sent < quota && st.sent < window; ++st.sent)
    self->send(server, ping_atom::value, body...);
  auto on_pong = [=](auto&&... answer) {
    auto& st = self->state;
    ++st.received;
    if (st.sent < quota) {
      ++st.sent;
      self->send(server, ping_atom::value, std::forward<decltype(answer)>(answer)...);
    } else if (st.received == quota) {
      done->count_down();
    }
  };
  if constexpr (std::is_void_v<Payload>)
    return {[=](pong_atom) { on_pong(); }};
  else
    return {[=](pong_atom, Payload& answer) { on_pong(std::move(answer)); }};
}

}  // namespace mensa::bench
