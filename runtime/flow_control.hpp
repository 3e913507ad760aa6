#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "runtime/envelope.hpp"

namespace mensa::runtime {

/// The sending side of one flow-controlled stream from a process to one
/// peer: at most `window` messages may be unacknowledged, so a fast sender
/// cannot grow the receiver's mailbox or the socket buffers between them
/// without bound.
///
/// The sender asks for an acknowledgement every `window / 2` messages; the
/// receiver sends `FlowAck` after handling such a message. Any `window`
/// consecutive messages contain one that asks, so a full window always
/// reopens once the receiver catches up.
class flow_sender {
 public:
  /// Starts a stream with the given id (unique for this sender and peer).
  explicit flow_sender(uint64_t stream) : stream_(stream) {}

  /// Returns how many messages await acknowledgement.
  std::size_t in_flight() const noexcept {
    return static_cast<std::size_t>(next_ - 1 - acked_);
  }

  /// Returns whether one more message fits into `window`.
  bool has_room(std::size_t window) const noexcept { return in_flight() < window; }

  /// Returns the marks for the next message; the caller checked `has_room`.
  flow_mark next(std::size_t window) noexcept {
    auto every = std::max<std::size_t>(1, window / 2);
    auto sequence = next_++;
    return flow_mark{stream_, sequence, sequence % every == 0};
  }

  /// Records an acknowledgement. Returns whether it freed room; stale or
  /// foreign acknowledgements change nothing.
  bool acknowledge(uint64_t stream, uint64_t sequence) noexcept {
    if (stream != stream_ || sequence <= acked_ || sequence >= next_)
      return false;
    acked_ = sequence;
    return true;
  }

  /// Callbacks waiting for room (see process::when_window_open).
  std::vector<std::function<void()>> waiters;

 private:
  uint64_t stream_;
  uint64_t next_ = 1;
  uint64_t acked_ = 0;
};

}  // namespace mensa::runtime
