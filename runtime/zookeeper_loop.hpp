#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/zookeeper.hpp"

namespace mensa::runtime {

/// A thread that keeps a ZooKeeper session and calls `step` whenever
/// something may have changed: the session connected, disconnected or
/// expired, a watch fired, or a second passed after a `step` that asked to
/// be called again. An expired session is replaced by a new one, unless
/// `expired` says to stop. What the masters' contender and detector are
/// built on: `step` makes blocking calls and sets watches for what it
/// follows.
class zookeeper_loop {
 public:
  zookeeper_loop(const zookeeper_loop&) = delete;
  zookeeper_loop& operator=(const zookeeper_loop&) = delete;
  virtual ~zookeeper_loop();

 protected:
  zookeeper_loop(std::string servers, std::chrono::milliseconds session_timeout);

  /// Starts the thread; a subclass calls it last in its constructor.
  void start();

  /// Stops and joins the thread; a subclass calls it first in its
  /// destructor, and may call it from `step` to end the loop.
  void stop();

  /// Looks at what changed; returns whether to be called again in a
  /// second even if nothing changes (a call failed, or time matters).
  virtual bool step(zookeeper_session& session) = 0;

  /// The session expired; returns whether to start a new one (default)
  /// rather than stop.
  virtual bool expired() { return true; }

  /// Returns the session (null before the thread made one).
  std::shared_ptr<zookeeper_session> session() const;

  /// Returns the session timeout asked for.
  std::chrono::milliseconds session_timeout() const noexcept {
    return session_timeout_;
  }

 private:
  void run();
  void wake();

  std::string servers_;
  std::chrono::milliseconds session_timeout_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool change_ = true;
  bool stopping_ = false;
  std::shared_ptr<zookeeper_session> session_;
  std::thread thread_;
};

}  // namespace mensa::runtime
