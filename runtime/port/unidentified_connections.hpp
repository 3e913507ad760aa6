#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>

#include "runtime/port/deadline_thread.hpp"

namespace mensa::runtime::port {

/// The connections a node accepted that have not yet said who they are (no
/// completed handshake of the actor protocol): at most `limit` at once, and
/// each for at most `timeout`. A connection still unidentified at its
/// deadline has its socket shut down, which its event loop then sees as the
/// peer's close and cleans up as usual. When a connection comes while
/// `limit` are waiting, the one waiting longest is shut down to make room:
/// a client that completes its handshake promptly gets in however many
/// silent connections someone holds open. Safe to use from any thread.
class unidentified_connections {
 public:
  /// Why a connection was shut down.
  enum class cause { deadline, evicted };

  /// Called after a connection was shut down (on the deadline thread, which
  /// must not be called back, or on the admitting thread).
  using shutdown_callback = std::function<void(cause)>;

  /// A connection's place among the unidentified: it leaves when the
  /// connection identifies itself or the ticket is destroyed. The owner of
  /// the socket must destroy the ticket before it closes the socket, so
  /// that no deadline shuts down a descriptor that now belongs to another
  /// connection.
  class ticket {
   public:
    ticket() = default;
    ticket(ticket&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), id_(other.id_) {}
    ticket& operator=(ticket&& other) noexcept {
      if (this != &other) {
        release();
        owner_ = std::exchange(other.owner_, nullptr);
        id_ = other.id_;
      }
      return *this;
    }
    ~ticket() { release(); }

    /// Marks the connection identified: its deadline no longer applies.
    void identified() { release(); }

    /// Returns whether the connection still waits to identify itself.
    bool pending() const noexcept { return owner_ != nullptr; }

   private:
    friend class unidentified_connections;
    ticket(unidentified_connections* owner, uint64_t id) : owner_(owner), id_(id) {}
    void release();

    unidentified_connections* owner_ = nullptr;
    uint64_t id_ = 0;
  };

  /// Watches at most `limit` accepted connections, each for at most
  /// `timeout`, on `clock` (which must outlive this).
  unidentified_connections(deadline_thread& clock, std::size_t limit,
                           std::chrono::milliseconds timeout,
                           shutdown_callback on_shutdown);

  unidentified_connections(const unidentified_connections&) = delete;
  unidentified_connections& operator=(const unidentified_connections&) = delete;

  /// Counts the accepted connection on socket `fd` as unidentified from now
  /// on, making room first if `limit` are already.
  ticket admit(int fd);

  /// Gives the connection this node opened on socket `fd` the same
  /// deadline, without counting it against the limit.
  ticket watch(int fd);

  /// Returns how many accepted connections are unidentified now.
  std::size_t count() const;

  /// Returns the most accepted connections counted at once.
  std::size_t limit() const noexcept { return limit_; }

 private:
  struct entry {
    int fd;
    bool counted;
    deadline_thread::id deadline;
  };

  ticket enter(int fd, bool counted);
  void leave(uint64_t id);
  void expire(uint64_t id);

  deadline_thread& clock_;
  const std::size_t limit_;
  const std::chrono::milliseconds timeout_;
  const shutdown_callback on_shutdown_;
  mutable std::mutex mutex_;
  uint64_t next_id_ = 1;
  std::size_t counted_ = 0;
  // By id, which is the order of arrival.
  std::map<uint64_t, entry> entries_;
};

}  // namespace mensa::runtime::port
