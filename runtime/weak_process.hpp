#pragma once

#include <type_traits>
#include <utility>

#include "caf/actor.hpp"
#include "caf/actor_addr.hpp"
#include "caf/actor_cast.hpp"
#include "caf/send.hpp"
#include "runtime/atoms.hpp"
#include "runtime/dispatch_call.hpp"

namespace mensa::runtime {

/// A process reached from anywhere (another thread, a callback it handed
/// out) without keeping it alive: `dispatch` runs a function inside it, or
/// does nothing once it is gone. What a process gives a containerizer or a
/// child-process watcher to report back to it.
class weak_process {
 public:
  /// No process.
  weak_process() = default;

  /// Runs `fn(P&)` inside the process, between two of its messages, if it
  /// still lives and is a `P`; returns whether it lived when asked.
  template <class P, class F>
  bool dispatch(F fn) const {
    auto target = caf::actor_cast<caf::actor>(address_);
    if (!target)
      return false;
    caf::anon_send(target, dispatch_atom::value,
                   dispatch_call{[fn = std::move(fn)](process& p) mutable {
                     if (auto* typed = dynamic_cast<P*>(&p))
                       fn(*typed);
                   }});
    return true;
  }

 private:
  friend class process;
  explicit weak_process(caf::actor_addr address) : address_(std::move(address)) {}

  caf::actor_addr address_;
};

}  // namespace mensa::runtime
