#pragma once

#include <chrono>
#include <functional>
#include <string_view>
#include <utility>

#include "caf/actor.hpp"
#include "runtime/dispatch.hpp"
#include "runtime/node.hpp"

namespace mensa::runtime {

/// A process of this node, held by code outside it (a containerizer, a
/// driver, a detector's callback): it can be reached, killed, and watched
/// for its end. It keeps the process reachable but does not keep it
/// running. Cheap to copy.
class process_handle {
 public:
  /// No process.
  process_handle() = default;

  /// The process `name` of node `n`, or no process.
  static process_handle find(const node& n, std::string_view name) {
    return process_handle(n.find(name));
  }

  /// Returns whether it names a process.
  explicit operator bool() const noexcept { return static_cast<bool>(actor_); }

  /// Runs `fn(P&)` inside the process, between two of its messages (see
  /// `runtime::dispatch`).
  template <class P, class F>
  void dispatch(F fn) const {
    runtime::dispatch<P>(actor_, std::move(fn));
  }

  /// Waits until the process has started (its `on_start` ran, so its
  /// routes are there) and handled what was sent to it before; returns
  /// false after `timeout` or when there is no process.
  bool await_started(std::chrono::milliseconds timeout) const;

  /// Ends the process at once, as SIGKILL ends an OS process.
  void kill() const;

  /// Calls `fn(abnormally)` once the process has ended (at once if it has),
  /// from whichever thread ends it.
  void when_ended(std::function<void(bool abnormally)> fn) const;

 private:
  explicit process_handle(caf::actor actor) : actor_(std::move(actor)) {}

  caf::actor actor_;
};

}  // namespace mensa::runtime
