#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/http/response.hpp"

namespace mensa::runtime::http {

class exchange;

/// A response stream opened by `responder::open_stream`: chunks written to
/// it reach the client in order. Copies share the stream; usable from any
/// thread.
class stream {
 public:
  /// No stream.
  stream() = default;

  /// Writes `bytes` as the next chunk; returns false (writing nothing) once
  /// the stream is closed, by either side.
  bool write(std::string bytes) const;

  /// Ends the stream (the connection may then serve its next request).
  void close() const;

  /// Returns whether the stream has ended: closed here, or the client gone.
  bool closed() const;

  /// Calls `fn` once when the client goes before the stream is closed here
  /// (on the node's network thread: hand the work to a process). Called at
  /// once if it has gone already.
  void on_client_gone(std::function<void()> fn) const;

  /// Returns whether this names a stream.
  explicit operator bool() const noexcept { return exchange_ != nullptr; }

 private:
  friend class responder;
  explicit stream(std::shared_ptr<exchange> x) : exchange_(std::move(x)) {}

  std::shared_ptr<exchange> exchange_;
};

/// How a route's handler answers one request, once, from any thread:
/// with a whole response, or by opening a stream. A request never
/// answered holds its connection until the client gives up; an answer
/// after the client went is dropped.
class responder {
 public:
  /// No request.
  responder() = default;

  /// Answers with `r`; returns false if the request was answered already
  /// or its client has gone.
  bool respond(response r) const;

  /// Answers with the head `r` (status and header fields; its body is
  /// ignored) of a stream whose chunks follow (`Transfer-Encoding:
  /// chunked`). Returns an empty stream if the request was answered
  /// already.
  stream open_stream(response r) const;

  /// Returns whether the client is still there to answer.
  bool client_gone() const;

  /// Returns whether this names a request.
  explicit operator bool() const noexcept { return exchange_ != nullptr; }

 private:
  friend class server_connection;
  explicit responder(std::shared_ptr<exchange> x) : exchange_(std::move(x)) {}

  std::shared_ptr<exchange> exchange_;
};

}  // namespace mensa::runtime::http
