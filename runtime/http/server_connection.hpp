#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/http/exchange.hpp"
#include "runtime/http/request_parser.hpp"
#include "runtime/http/responder.hpp"

namespace mensa::runtime::http {

/// The server side of one HTTP/1.1 connection, apart from its socket:
/// requests are read one at a time and answered in order (a pipelined
/// request waits for the answer before it), kept alive as the client asks,
/// streamed in chunks where the handler opens a stream. Lives on its
/// connection's thread; handlers answer from anywhere through the
/// `responder` they get.
class server_connection {
 public:
  /// What the connection needs of its socket, implemented by its owner.
  class socket {
   public:
    virtual ~socket() = default;
    /// Queues `bytes` to be written.
    virtual void write(std::string_view bytes) = 0;
    /// Closes the connection once what was queued is written.
    virtual void close_when_written() = 0;
    /// Says whether the connection now waits for a request (between
    /// answers, when a client must not linger) or not (a request is
    /// being answered).
    virtual void awaiting_request(bool waiting) = 0;
  };

  /// Called with each whole request and the responder that answers it.
  using request_handler = std::function<void(request&&, responder)>;

  /// Bytes received beyond the request being answered, at most: a client
  /// that sends more ahead of its answers is not waiting for them, and its
  /// connection is closed.
  static constexpr std::size_t max_pending = 1024 * 1024;

  /// Serves the connection with `peer` through `io` (which must outlive
  /// this); `post` reaches this connection on its thread, and `on_request`
  /// gets each request.
  server_connection(socket& io, request_limits limits, std::string peer,
                    exchange::poster post, request_handler on_request);

  /// Tells a handler still answering that its client has gone.
  ~server_connection();

  server_connection(const server_connection&) = delete;
  server_connection& operator=(const server_connection&) = delete;

  /// Takes bytes read from the socket.
  void feed(const char* data, std::size_t n);

  /// The socket has closed: a stream being written ends.
  void closed();

  /// Writes the whole answer `r` to exchange `x`.
  void answer(exchange& x, response&& r);

  /// Writes the head `r` of a stream answering exchange `x`.
  void open_stream(exchange& x, response&& r);

  /// Writes a chunk of the stream answering `x`.
  void write_chunk(exchange& x, std::string_view bytes);

  /// Ends the stream answering `x`.
  void end_stream(exchange& x);

  /// Returns how many requests this connection has taken.
  uint64_t requests() const noexcept { return requests_; }

 private:
  bool is_current(const exchange& x) const noexcept {
    return current_ != nullptr && current_.get() == &x && !closing_;
  }
  void serve_pending();
  void refuse(int status, const std::string& message);
  // Writes `r` with its length, and the body unless `head_only`.
  void write_whole(const response& r, bool keep_alive, bool head_only);
  void finished(bool keep_alive);

  socket& io_;
  request_parser parser_;
  exchange::poster post_;
  request_handler on_request_;
  std::string pending_;
  std::shared_ptr<exchange> current_;
  bool current_keep_alive_ = true;
  bool current_head_ = false;
  // A stream without chunked framing (an HTTP/1.0 client) ends with the
  // connection.
  bool stream_unframed_ = false;
  bool streaming_ = false;
  bool closing_ = false;
  bool serving_ = false;
  uint64_t requests_ = 0;
  std::string out_;
};

}  // namespace mensa::runtime::http
