#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "caf/intrusive_ptr.hpp"
#include "caf/io/network/default_multiplexer.hpp"
#include "caf/io/network/stream_impl.hpp"
#include "caf/io/scribe.hpp"
#include "caf/policy/tcp.hpp"
#include "runtime/http/server_connection.hpp"
#include "runtime/port/basp_frame.hpp"
#include "runtime/port/port_guard.hpp"
#include "runtime/port/tls_session.hpp"
#include "runtime/port/unidentified_connections.hpp"

namespace mensa::runtime::port {

class guarded_doorman;
class guarded_scribe;

/// The reads and writes of one connection: plain TCP, or through its TLS
/// session (which, with its owner, must outlive this).
struct socket_io {
  tls_session* tls = nullptr;
  guarded_scribe* owner = nullptr;

  caf::io::network::rw_state read_some(std::size_t& result,
                                       caf::io::network::native_socket fd, void* buf,
                                       std::size_t len) {
    if (tls == nullptr)
      return caf::policy::tcp::read_some(result, fd, buf, len);
    return reported(tls->read_some(result, buf, len));
  }

  caf::io::network::rw_state write_some(std::size_t& result,
                                        caf::io::network::native_socket fd,
                                        const void* buf, std::size_t len) {
    if (tls == nullptr)
      return caf::policy::tcp::write_some(result, fd, buf, len);
    return reported(tls->write_some(result, buf, len));
  }

  // A TLS failure (a handshake that did not work, say) is the port's to
  // count: CAF would only see the connection end.
  caf::io::network::rw_state reported(caf::io::network::rw_state state);

  // OpenSSL may hold decrypted bytes that the socket no longer signals.
  bool must_read_more(caf::io::network::native_socket, std::size_t threshold) {
    return tls != nullptr && threshold > 0 && tls->pending() >= threshold;
  }
};

/// One connection of a node, in or out, as CAF's BASP broker sees it (a
/// scribe), with the port's guards between the socket and the broker: it
/// frames the byte stream itself and hands the broker a header only with
/// its whole payload, once the payload has passed `basp_payload_problem`.
///
/// - No read is sized from an untrusted length beyond the port's limits:
///   before the handshake a frame may hold 64 KiB, after it
///   `--max_message_size` plus a fixed margin; payloads above 64 KiB are
///   read in 64 KiB steps, so memory follows the bytes that really came.
/// - An accepted connection belongs to no broker until its first frame is a
///   client handshake; until the handshake is complete it is counted among
///   the unidentified connections, with a deadline.
/// - On an identified connection a frame that is too large or malformed is
///   dropped (counted and logged) and the connection goes on; before that,
///   or when the framing itself is lost, the connection is closed.
/// - An accepted connection whose first byte starts an HTTP method is served
///   as HTTP/1.1 (`http::server_connection`) by the node's routes and never
///   reaches the broker. While it waits for a request (after connecting and
///   after each answer) it counts among the unidentified connections, with
///   the same deadline.
///
/// Lives on the node's network thread, like every CAF scribe.
class guarded_scribe final : public caf::io::scribe,
                             private http::server_connection::socket {
 public:
  /// Who opened the connection.
  enum class side { accepted, connected };

  /// Takes over socket `fd`. `tls` is null for plaintext; `doorman` is the
  /// doorman that accepted the connection (null for a connected one).
  guarded_scribe(caf::io::network::default_multiplexer& mpx,
                 caf::io::network::native_socket fd, side who,
                 std::shared_ptr<port_guard> guard, std::unique_ptr<tls_session> tls,
                 unidentified_connections::ticket ticket,
                 caf::intrusive_ptr<guarded_doorman> doorman);

  ~guarded_scribe() override;

  /// Starts reading an accepted connection, before any broker owns it.
  void start_accepted();

  /// Shuts the socket down: the event loop then sees the connection end.
  void shut_down_socket();

  void configure_read(caf::io::receive_policy::config config) override;
  void ack_writes(bool enable) override;
  std::vector<char>& wr_buf() override;
  std::vector<char>& rd_buf() override;
  void graceful_shutdown() override;
  void flush() override;
  std::string addr() const override;
  uint16_t port() const override;
  void add_to_loop() override;
  void remove_from_loop() override;
  bool consume(caf::execution_unit* ctx, const void* buf, std::size_t n) override;
  void data_transferred(caf::execution_unit* ctx, std::size_t written,
                        std::size_t remaining) override;

 private:
  enum class phase { first_bytes, header, payload, skipping, http };

  bool on_header_bytes(caf::execution_unit* ctx, const char* data, std::size_t n);
  bool on_header(caf::execution_unit* ctx);
  bool on_payload(caf::execution_unit* ctx, std::size_t n);
  bool checked_payload(caf::execution_unit* ctx, std::string_view payload);
  bool on_skipped(std::size_t n);
  bool hand_to_broker(caf::execution_unit* ctx, std::string_view payload);
  bool deliver(caf::execution_unit* ctx, std::vector<char>& bytes);
  bool refuse(caf::execution_unit* ctx, refusal reason, const std::string& detail);
  bool close_for(caf::execution_unit* ctx, frame_drop reason,
                 const std::string& detail);
  void read_next_header();
  void read_exactly(std::size_t n);
  void launch();
  friend struct socket_io;
  void tls_failed();
  // Closes the connection if `unread` bytes wait for the peer to read them.
  void check_backlog(std::size_t unread);

  // Serving HTTP (see http::server_connection::socket).
  bool start_http(const char* data, std::size_t n);
  void write(std::string_view bytes) override;
  void close_when_written() override;
  void awaiting_request(bool waiting) override;

  std::shared_ptr<port_guard> guard_;
  std::unique_ptr<tls_session> tls_;
  caf::intrusive_ptr<guarded_doorman> doorman_;
  side side_;
  phase phase_;
  bool launched_ = false;
  bool identified_ = false;
  std::array<char, basp_header_size> header_bytes_{};
  std::size_t header_have_ = 0;
  basp_header header_;
  std::size_t remaining_ = 0;
  std::vector<std::vector<char>> chunks_;
  std::vector<char> large_payload_;
  // The node its handshake named, as CAF writes node ids.
  std::string peer_node_;
  bool backlog_exceeded_ = false;
  bool tls_failure_reported_ = false;
  std::vector<char> delivery_;
  std::string peer_;
  caf::io::network::stream_impl<socket_io> stream_;
  // Reaches the HTTP side from other threads while it lives.
  struct http_link {
    http::server_connection* connection = nullptr;
  };
  std::shared_ptr<http_link> http_link_;
  // HTTP bytes written and not yet sent, and whether the wait for the next
  // request starts once they are.
  std::size_t http_unsent_ = 0;
  bool await_request_once_sent_ = false;
  std::unique_ptr<http::server_connection> http_;
  // Declared after the stream: it leaves the unidentified connections
  // before the stream closes the socket.
  unidentified_connections::ticket ticket_;
};

}  // namespace mensa::runtime::port
