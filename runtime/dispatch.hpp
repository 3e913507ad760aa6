#pragma once

#include <type_traits>
#include <utility>

#include "caf/actor.hpp"
#include "caf/send.hpp"
#include "runtime/atoms.hpp"
#include "runtime/process.hpp"

namespace mensa::runtime {

/// Runs `fn(P&)` inside the process behind `handle`, between two of its
/// messages, as libprocess's `dispatch` does: the way code outside a
/// process (a blocking driver, a test) asks it to act. Safe from any
/// thread. Does nothing if the process is gone or is not a `P`.
template <class P, class F>
void dispatch(const caf::actor& handle, F fn) {
  static_assert(std::is_base_of_v<process, P>);
  caf::anon_send(handle, dispatch_atom::value,
                 dispatch_call{[fn = std::move(fn)](process& target) mutable {
                   if (auto* typed = dynamic_cast<P*>(&target))
                     fn(*typed);
                 }});
}

}  // namespace mensa::runtime
