#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <type_traits>

namespace mensa::runtime::testing {

/// The base of what a process records for a test: the process writes
/// through `change`, the test reads through `read` from any thread and
/// waits with `wait_for` until what it expects holds, woken by each change
/// instead of polling.
class watched_state {
 public:
  /// Waits until `ready()` holds or `timeout` passes; returns `ready()`.
  /// `ready` may call the derived class's accessors.
  bool wait_for(const std::function<bool()>& ready,
                std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto seen = read([&] { return version_; });
      if (ready())
        return true;
      std::unique_lock<std::mutex> guard(mutex_);
      if (!changed_.wait_until(guard, deadline, [&] { return version_ != seen; }))
        break;
    }
    return ready();
  }

 protected:
  /// Runs `f` under the lock and wakes the waiters.
  template <class F>
  void change(F f) {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      f();
      ++version_;
    }
    changed_.notify_all();
  }

  /// Runs `f` under the lock and returns what it returns.
  template <class F>
  std::invoke_result_t<F> read(F f) const {
    std::lock_guard<std::mutex> guard(mutex_);
    return f();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t version_ = 0;
};

}  // namespace mensa::runtime::testing
