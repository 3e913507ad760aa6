#pragma once

#include <functional>
#include <string>
#include <vector>

#include "actors/master/registry.hpp"
#include "runtime/expected.hpp"
#include "runtime/log.hpp"
#include "runtime/time.hpp"

namespace mensa::master {

/// Writes the master's registry and says when what it wrote is on disk, so
/// that the master answers an agent or an operator only once its answer can
/// no longer be lost.
///
/// Group commit: an operation kept `deferred` is written at once but
/// flushed only after the messages already queued are handled (the owner's
/// `defer`), so that a burst of registrations shares one fdatasync. Until
/// then, `when_durable` holds what waits for it, and runs it, in order,
/// after that flush. A flush that fails leaves everything waiting and is
/// tried again a second later. An operation kept without `deferred` is
/// flushed before `keep` returns.
///
/// Plain C++: its owner supplies deferral, timers and the log, and calls it
/// from its own context only.
class registry_writer {
 public:
  /// What the writer needs from its owner.
  struct environment {
    /// Runs a function once the messages already queued are handled.
    std::function<void(std::function<void()>)> defer;
    /// Runs a function after a time on the owner's clock.
    std::function<void(runtime::duration, std::function<void()>)> delay;
    /// Writes a line to the owner's log.
    std::function<void(runtime::log_level, const std::string&)> log;
  };

  registry_writer(registry kept, environment env);

  /// Returns the registry (what was kept, including operations not yet
  /// flushed).
  const registry& kept() const noexcept { return registry_; }

  /// Keeps `op`, or says why it cannot (`what` names what it keeps) and
  /// changes nothing; `deferred` leaves its flush to the group commit.
  runtime::expected<void> keep(const internal::RegistryOperation& op,
                               const std::string& what, bool deferred = false);

  /// Runs `fn` once every operation kept so far is on disk: at once if it
  /// is (and nothing waits before it), else after the next flush.
  void when_durable(std::function<void()> fn);

  /// Returns how many functions wait for a flush.
  std::size_t waiting() const noexcept { return waiters_.size(); }

 private:
  void schedule_flush();
  void flush();
  void release();

  registry registry_;
  environment env_;
  /// What waits for the next flush, in order.
  std::vector<std::function<void()>> waiters_;
  bool flush_pending_ = false;
};

}  // namespace mensa::master
