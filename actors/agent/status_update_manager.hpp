#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/time.hpp"
#include "mensa/internal/cluster.pb.h"
#include "runtime/process.hpp"

namespace mensa::agent {

/// How long to wait before resending an unacknowledged update: starts at
/// `initial`, doubles per retry, stays at `max`.
struct retry_backoff {
  runtime::duration initial = std::chrono::seconds(10);
  runtime::duration max = std::chrono::minutes(10);
};

/// Delivers status updates reliably, per task: updates of one task leave
/// in order, one at a time, and the head is resent with backoff until the
/// framework's acknowledgement (by uuid) comes back. Duplicate and stale
/// acknowledgements change nothing. Plain C++: its owner supplies sending
/// and timers, and calls it from its own context only. An update is kept
/// once and shared with the messages that carry it (no copy per send); it
/// is copied only when it must change while a message still holds it.
class status_update_manager {
 public:
  /// What the manager needs from its owner.
  struct environment {
    /// Sends an update toward the framework (through the master); the
    /// update does not change once sent.
    std::function<void(std::shared_ptr<const internal::StatusUpdate>)> forward;
    /// Starts a timer on the owner's clock.
    std::function<runtime::timer_id(runtime::duration, std::function<void()>)> delay;
    /// Cancels a timer.
    std::function<void(runtime::timer_id)> cancel;
  };

  status_update_manager(environment env, retry_backoff backoff);

  /// Queues an update; sends it at once if its task has nothing in flight.
  void update(internal::StatusUpdate update);

  /// Takes an acknowledgement. Returns the acknowledged update if it was
  /// the head of its task's stream (the next one leaves), null otherwise.
  std::shared_ptr<const internal::StatusUpdate> acknowledge(
      const std::string& framework_id, const std::string& task_id,
      const std::string& uuid);

  /// Resends every stream's head now (after reregistering with a master),
  /// or only those of `framework_id` when given (after it resubscribed).
  void flush(const std::string& framework_id = {});

  /// Drops every stream of a framework.
  void remove_framework(const std::string& framework_id);

  /// Returns whether a task has updates not yet acknowledged.
  bool pending(const std::string& framework_id, const std::string& task_id) const;

  /// Returns the newest unacknowledged update of a task, or null.
  const internal::StatusUpdate* latest(const std::string& framework_id,
                                       const std::string& task_id) const;

  /// Returns copies of the unacknowledged updates of a task, oldest first.
  std::vector<internal::StatusUpdate> unacknowledged(const std::string& framework_id,
                                                     const std::string& task_id) const;

  /// Calls `fn` with the newest update of every task with updates in
  /// flight.
  void each_latest(const std::function<void(const internal::StatusUpdate&)>& fn) const;

  /// Returns how many tasks have updates in flight.
  std::size_t streams() const noexcept { return streams_.size(); }

 private:
  struct stream {
    std::deque<std::shared_ptr<internal::StatusUpdate>> pending;
    runtime::duration backoff{};
    runtime::timer_id timer = 0;
  };

  using key = std::pair<std::string, std::string>;

  void send_head(const key& k, stream& s);

  /// Makes the head in flight carry the newest known state of its task,
  /// on a copy of its own if a message still holds it.
  static void carry_latest_state(stream& s);

  environment env_;
  retry_backoff backoff_;
  std::map<key, stream> streams_;
};

}  // namespace mensa::agent
