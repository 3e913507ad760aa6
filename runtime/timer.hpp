#pragma once

#include <cstdint>
#include <utility>

namespace mensa::runtime {

class process;

/// Identifies a timer started by `process::delay`.
using timer_id = uint64_t;

/// A timer a process started with `process::start_timer`, owned by whoever
/// holds it (a record of the process): its callback runs once, unless the
/// timer is cancelled first, and it cancels itself when destroyed or when
/// another timer is moved onto it. Move-only. It must not outlive its
/// process.
class timer {
 public:
  /// No timer.
  timer() = default;

  timer(timer&& other) noexcept
      : owner_(std::exchange(other.owner_, nullptr)),
        id_(std::exchange(other.id_, 0)) {}

  timer& operator=(timer&& other) noexcept {
    if (this != &other) {
      cancel();
      owner_ = std::exchange(other.owner_, nullptr);
      id_ = std::exchange(other.id_, 0);
    }
    return *this;
  }

  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;

  ~timer() { cancel(); }

  /// Cancels it if its callback has not run yet; idempotent.
  void cancel() noexcept;

  /// Forgets it without cancelling: what its own callback does, so that
  /// `active` says the timer is done.
  void forget() noexcept {
    owner_ = nullptr;
    id_ = 0;
  }

  /// Returns whether it was started and neither cancelled nor forgotten.
  bool active() const noexcept { return owner_ != nullptr; }

 private:
  friend class process;
  timer(process* owner, timer_id id) : owner_(owner), id_(id) {}

  process* owner_ = nullptr;
  timer_id id_ = 0;
};

}  // namespace mensa::runtime
