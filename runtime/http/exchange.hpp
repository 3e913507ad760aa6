#pragma once

#include <atomic>
#include <functional>
#include <utility>

namespace mensa::runtime::http {

class server_connection;

/// One request's answer on its way from a handler (any thread) to its
/// connection (the network thread): what `responder` and `stream` share.
class exchange {
 public:
  /// Runs a function on the connection's thread with the connection, or
  /// with null once the connection is gone.
  using poster = std::function<void(std::function<void(server_connection*)>)>;

  /// An exchange of the connection that `post` reaches.
  explicit exchange(poster post) : post_(std::move(post)) {}

  /// Returns true for the one caller that may answer.
  bool claim_answer() noexcept { return !answered_.exchange(true); }

  /// Runs `fn` on the connection's thread (see `poster`).
  void post(std::function<void(server_connection*)> fn) const { post_(std::move(fn)); }

  /// Marks the answer ended (a response written or a stream closed here).
  void end() noexcept { ended_ = true; }

  /// Returns whether the answer has ended or the client has gone.
  bool ended() const noexcept { return ended_ || gone_; }

  /// Returns whether the client has gone.
  bool gone() const noexcept { return gone_; }

  /// Marks the client gone and calls the callback set for it (the
  /// connection's thread only).
  void client_gone() {
    if (gone_.exchange(true))
      return;
    if (auto fn = std::exchange(on_gone_, nullptr))
      fn();
  }

  /// Calls `fn` when the client goes, at once if it has (the connection's
  /// thread only).
  void when_gone(std::function<void()> fn) {
    if (gone_)
      fn();
    else
      on_gone_ = std::move(fn);
  }

 private:
  poster post_;
  std::atomic<bool> answered_{false};
  std::atomic<bool> ended_{false};
  std::atomic<bool> gone_{false};
  std::function<void()> on_gone_;
};

}  // namespace mensa::runtime::http
