#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace mensa::runtime::port {

/// A thread that runs small callbacks at their deadlines, in real time: the
/// clock of a node's port, which lives outside the actors (and outside the
/// runtime clock a test may simulate). Safe to use from any thread.
///
/// A callback runs with the thread's lock held, so `cancel` never returns
/// while it runs: once `cancel` has returned, the callback has either run
/// to its end or never will. A callback must therefore be quick and must
/// not call `at` or `cancel`.
class deadline_thread {
 public:
  /// Identifies a scheduled callback.
  using id = uint64_t;

  /// Starts the thread.
  deadline_thread();

  /// Stops the thread (see `stop`).
  ~deadline_thread();

  /// Stops the thread: callbacks not yet due never run, and none scheduled
  /// later does. Idempotent.
  void stop();

  deadline_thread(const deadline_thread&) = delete;
  deadline_thread& operator=(const deadline_thread&) = delete;

  /// Runs `fn` once `delay` has passed.
  id after(std::chrono::steady_clock::duration delay, std::function<void()> fn);

  /// Keeps the callback `which` from running; returns whether it was still
  /// waiting.
  bool cancel(id which);

 private:
  using clock = std::chrono::steady_clock;

  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool stopped_ = false;
  id next_id_ = 1;
  std::map<std::pair<clock::time_point, id>, std::function<void()>> due_;
  std::map<id, clock::time_point> by_id_;
  std::thread thread_;
};

}  // namespace mensa::runtime::port
