#include "runtime/port/deadline_thread.hpp"

namespace mensa::runtime::port {

deadline_thread::deadline_thread() {
  thread_ = std::thread([this] { run(); });
}

deadline_thread::~deadline_thread() {
  stop();
}

void deadline_thread::stop() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (stopped_)
      return;
    stopping_ = stopped_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard<std::mutex> guard(mutex_);
  due_.clear();
  by_id_.clear();
}

deadline_thread::id deadline_thread::after(clock::duration delay,
                                           std::function<void()> fn) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto which = next_id_++;
  if (stopped_)
    return which;
  auto deadline = clock::now() + delay;
  auto earliest = due_.empty() || deadline < due_.begin()->first.first;
  due_.emplace(std::make_pair(deadline, which), std::move(fn));
  by_id_.emplace(which, deadline);
  if (earliest)
    wake_.notify_all();
  return which;
}

bool deadline_thread::cancel(id which) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto i = by_id_.find(which);
  if (i == by_id_.end())
    return false;
  due_.erase({i->second, which});
  by_id_.erase(i);
  return true;
}

void deadline_thread::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (due_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto first = due_.begin();
    // A copy: waiting lets go of the lock, and a cancel may erase the
    // entry (wait_until reads its deadline again when it wakes).
    auto deadline = first->first.first;
    if (clock::now() < deadline) {
      wake_.wait_until(lock, deadline);
      continue;
    }
    auto fn = std::move(first->second);
    by_id_.erase(first->first.second);
    due_.erase(first);
    fn();
  }
}

}  // namespace mensa::runtime::port
