#include "runtime/event_loop.hpp"

namespace mensa::runtime {

event_loop::event_loop() {
  uv_loop_init(&loop_);
  wakeup_.data = this;
  uv_async_init(&loop_, &wakeup_, &event_loop::on_async);
  thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
}

event_loop::~event_loop() {
  post([this](uv_loop_t* loop) {
    stopping_ = true;
    // Close every handle so that uv_run returns and the loop can close.
    uv_walk(
        loop,
        [](uv_handle_t* handle, void*) {
          if (!uv_is_closing(handle))
            uv_close(handle, nullptr);
        },
        nullptr);
  });
  thread_.join();
  uv_loop_close(&loop_);
}

void event_loop::post(std::function<void(uv_loop_t*)> fn) {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    queue_.push_back(std::move(fn));
  }
  uv_async_send(&wakeup_);
}

bool event_loop::on_loop_thread() const noexcept {
  return std::this_thread::get_id() == thread_.get_id();
}

void event_loop::on_async(uv_async_t* handle) {
  static_cast<event_loop*>(handle->data)->drain();
}

void event_loop::drain() {
  std::vector<std::function<void(uv_loop_t*)>> work;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    work.swap(queue_);
  }
  for (auto& fn : work)
    fn(&loop_);
}

}  // namespace mensa::runtime
