#include "runtime/zookeeper_loop.hpp"

#include <utility>

#include "runtime/log.hpp"

namespace mensa::runtime {

zookeeper_loop::zookeeper_loop(std::string servers,
                               std::chrono::milliseconds session_timeout)
    : servers_(std::move(servers)), session_timeout_(session_timeout) {}

zookeeper_loop::~zookeeper_loop() {
  stop();
}

void zookeeper_loop::start() {
  thread_ = std::thread([this] { run(); });
}

void zookeeper_loop::stop() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
    thread_.join();
    // Whoever still holds the session must not wake a loop that is gone.
    if (session_)
      session_->detach();
  }
}

std::shared_ptr<zookeeper_session> zookeeper_loop::session() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return session_;
}

void zookeeper_loop::wake() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    change_ = true;
  }
  changed_.notify_all();
}

void zookeeper_loop::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    change_ = false;
    auto current = session_;
    lock.unlock();
    bool again = true;
    if (current && current->current() == zookeeper_session::state::expired) {
      log(log_level::warning, "zookeeper", "the session with " + servers_ + " expired");
      if (!expired()) {
        lock.lock();
        break;
      }
      current->detach();
      current.reset();
    }
    if (!current) {
      auto started =
          zookeeper_session::start(servers_, session_timeout_, [this] { wake(); });
      if (started) {
        current = std::move(*started);
      } else {
        log(log_level::error, "zookeeper", started.error().message);
      }
      lock.lock();
      auto replaced = std::exchange(session_, current);
      lock.unlock();
      replaced.reset();  // Closing it may take a while: not under the lock.
    }
    if (current)
      again = step(*current);
    lock.lock();
    if (again)
      changed_.wait_for(lock, std::chrono::seconds(1),
                        [this] { return change_ || stopping_; });
    else
      changed_.wait(lock, [this] { return change_ || stopping_; });
  }
}

}  // namespace mensa::runtime
