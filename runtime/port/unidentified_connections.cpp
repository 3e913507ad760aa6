#include "runtime/port/unidentified_connections.hpp"

#include <sys/socket.h>

namespace mensa::runtime::port {

// Lock order: the deadline thread's lock, then mutex_. So mutex_ is never
// held while calling the clock; a deadline that fires while its entry
// leaves finds the entry gone, or removes it (and shuts the still open
// socket down) before the owner can close it.

void unidentified_connections::ticket::release() {
  if (owner_ != nullptr)
    std::exchange(owner_, nullptr)->leave(id_);
}

unidentified_connections::unidentified_connections(deadline_thread& clock,
                                                   std::size_t limit,
                                                   std::chrono::milliseconds timeout,
                                                   shutdown_callback on_shutdown)
    : clock_(clock),
      limit_(limit),
      timeout_(timeout),
      on_shutdown_(std::move(on_shutdown)) {
  // nop
}

unidentified_connections::ticket unidentified_connections::admit(int fd) {
  return enter(fd, true);
}

unidentified_connections::ticket unidentified_connections::watch(int fd) {
  return enter(fd, false);
}

std::size_t unidentified_connections::count() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return counted_;
}

unidentified_connections::ticket unidentified_connections::enter(int fd, bool counted) {
  uint64_t id = 0;
  bool evicted = false;
  deadline_thread::id evicted_deadline = 0;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    id = next_id_++;
    if (counted && counted_ >= limit_) {
      for (auto i = entries_.begin(); i != entries_.end(); ++i) {
        if (!i->second.counted)
          continue;
        ::shutdown(i->second.fd, SHUT_RDWR);
        evicted_deadline = i->second.deadline;
        entries_.erase(i);
        --counted_;
        evicted = true;
        break;
      }
    }
    entries_.emplace(id, entry{fd, counted, 0});
    if (counted)
      ++counted_;
  }
  if (evicted) {
    clock_.cancel(evicted_deadline);
    if (on_shutdown_)
      on_shutdown_(cause::evicted);
  }
  auto deadline = clock_.after(timeout_, [this, id] { expire(id); });
  {
    std::lock_guard<std::mutex> guard(mutex_);
    auto i = entries_.find(id);
    if (i != entries_.end())
      i->second.deadline = deadline;
  }
  return ticket(this, id);
}

void unidentified_connections::leave(uint64_t id) {
  deadline_thread::id deadline = 0;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    auto i = entries_.find(id);
    if (i == entries_.end())
      return;
    deadline = i->second.deadline;
    if (i->second.counted)
      --counted_;
    entries_.erase(i);
  }
  clock_.cancel(deadline);
}

void unidentified_connections::expire(uint64_t id) {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    auto i = entries_.find(id);
    if (i == entries_.end())
      return;
    ::shutdown(i->second.fd, SHUT_RDWR);
    if (i->second.counted)
      --counted_;
    entries_.erase(i);
  }
  if (on_shutdown_)
    on_shutdown_(cause::deadline);
}

}  // namespace mensa::runtime::port
