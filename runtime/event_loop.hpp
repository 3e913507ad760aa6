#pragma once

#include <uv.h>

#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mensa::runtime {

/// A libuv loop on a thread of its own, beside CAF's threads: what watches
/// child processes (and, later, serves HTTP). Work reaches the loop only
/// through `post`, the one call that is safe from other threads.
class event_loop {
 public:
  /// Starts the loop thread.
  event_loop();

  /// Stops the loop, closes every handle and joins the thread.
  ~event_loop();

  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;

  /// Runs `fn(loop)` on the loop thread, soon.
  void post(std::function<void(uv_loop_t*)> fn);

  /// Returns whether the caller runs on the loop thread.
  bool on_loop_thread() const noexcept;

 private:
  static void on_async(uv_async_t* handle);
  void drain();

  uv_loop_t loop_{};
  uv_async_t wakeup_{};
  std::mutex mutex_;
  std::vector<std::function<void(uv_loop_t*)>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mensa::runtime
