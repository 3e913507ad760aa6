#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

#include "runtime/http/router.hpp"
#include "runtime/metrics.hpp"
#include "runtime/port/deadline_thread.hpp"
#include "runtime/port/tls_session.hpp"
#include "runtime/port/unidentified_connections.hpp"

namespace mensa::runtime::port {

/// The limits a node's port holds every connection to.
struct port_limits {
  /// Largest message payload accepted (`--max_message_size`).
  std::size_t max_message_size = 16 * 1024 * 1024;
  /// Time a new connection has to complete its handshake
  /// (`--handshake_timeout`).
  std::chrono::milliseconds handshake_timeout{10000};
  /// Connections that have not completed their handshake, at most
  /// (`--max_unidentified_connections`): one more closes the one waiting
  /// longest. The port also keeps it within a quarter of the process's
  /// descriptor limit.
  std::size_t max_unidentified = 1024;
};

/// Why the port closed a connection, each with a counter
/// `runtime/connections_refused/<name>`.
enum class refusal {
  /// Too many connections had not identified themselves yet: this one,
  /// waiting longest, made room for a new one.
  too_many_unidentified,
  /// The process had no file descriptor left to accept it with.
  out_of_descriptors,
  /// It did not complete its handshake in time.
  handshake_timeout,
  /// Its first bytes are not the actor protocol.
  unknown_protocol,
  /// Its handshake was malformed, oversized or failed (TLS included).
  bad_handshake,
};

/// Why the port dropped a frame of an identified connection without
/// handing it to CAF, each with a counter `runtime/frames_dropped/<name>`.
enum class frame_drop {
  /// Its payload exceeds the frame limit.
  oversize,
  /// Its payload is not what CAF may safely parse.
  malformed,
};

/// What every connection of a node's port shares: the limits, the clock of
/// handshake deadlines, the TLS context, the HTTP routes, a spare descriptor for when
/// the process runs out, and the counters and log lines of what it refused. Safe to use
/// from any thread.
class port_guard {
 public:
  /// Room a frame may take beyond `max_message_size`: the envelope's sender
  /// and type and CAF's own framing.
  static constexpr std::size_t framing_margin = 64 * 1024;

  /// Largest payload of a frame before the handshake is complete.
  static constexpr std::size_t handshake_frame_limit = 64 * 1024;

  /// Guards a port with `limits`, counting into `metrics` (which must
  /// outlive this); `tls` is null for plaintext; HTTP requests go to
  /// `routes`.
  port_guard(const port_limits& limits, metrics_registry& metrics,
             std::shared_ptr<tls_context> tls,
             std::shared_ptr<const http::router> routes);

  ~port_guard();

  port_guard(const port_guard&) = delete;
  port_guard& operator=(const port_guard&) = delete;

  /// Returns the largest payload of a frame on an identified connection.
  std::size_t frame_limit() const noexcept {
    return limits_.max_message_size + framing_margin;
  }

  /// Returns the node's message size limit.
  std::size_t max_message_size() const noexcept { return limits_.max_message_size; }

  /// Returns how many bytes written to a peer may wait for it to read them
  /// before the connection is closed.
  std::size_t write_backlog_limit() const noexcept {
    return std::max<std::size_t>(64 * 1024 * 1024, 4 * frame_limit());
  }

  /// Sets this node's ID as CAF writes it (once, before any connection).
  void set_local_node(std::string id) { local_node_ = std::move(id); }

  /// Returns this node's ID as CAF writes it.
  const std::string& local_node() const noexcept { return local_node_; }

  /// Stops the deadlines (before the actor system goes): connections not
  /// identified by then are closed by their doorman's shutdown.
  void stop() { clock_.stop(); }

  /// Returns the connections not yet identified.
  unidentified_connections& unidentified() noexcept { return unidentified_; }

  /// Returns the clock of the port's deadlines.
  deadline_thread& clock() noexcept { return clock_; }

  /// Returns the node's HTTP routes.
  const std::shared_ptr<const http::router>& routes() const noexcept { return routes_; }

  /// Returns the TLS context, or null for plaintext.
  tls_context* tls() const noexcept { return tls_.get(); }

  /// Counts and logs (sparingly) a connection from `peer` closed for
  /// `reason`; `detail` says what was wrong.
  void refused(refusal reason, std::string_view peer, std::string_view detail);

  /// Counts and logs (sparingly) a frame from `peer` dropped for `reason`.
  void dropped(frame_drop reason, std::string_view peer, std::string_view detail);

  /// Accepts a connection waiting on `listen_fd` and closes it at once, when
  /// the process is out of descriptors: frees the spare descriptor for it,
  /// then takes the spare back. Returns false when no connection could be
  /// taken off the queue (another thread took the freed descriptor): the
  /// caller should stop accepting for a moment rather than be woken at
  /// once for the same connection.
  bool shed_connection(int listen_fd);

 private:
  struct event_counter {
    counter* count = nullptr;
    std::atomic<uint64_t> seen{0};
  };

  void report(event_counter& event, std::string_view what, std::string_view peer,
              std::string_view detail);

  port_limits limits_;
  std::string local_node_;
  std::shared_ptr<tls_context> tls_;
  std::shared_ptr<const http::router> routes_;
  event_counter refusals_[5];
  event_counter drops_[2];
  std::atomic<int> spare_fd_{-1};
  // Its callbacks use the counters above. When the guard goes, so have all
  // connections, and with them every deadline of `unidentified_`.
  deadline_thread clock_;
  unidentified_connections unidentified_;
};

/// Returns the metric suffix of `reason`, e.g. "handshake_timeout".
const char* to_string(refusal reason);

/// Returns the metric suffix of `reason`, e.g. "oversize".
const char* to_string(frame_drop reason);

}  // namespace mensa::runtime::port
