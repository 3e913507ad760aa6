#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>

#include "runtime/http/request.hpp"

namespace mensa::runtime::http {

/// What one request may hold; more is refused before it is stored.
struct request_limits {
  /// Longest request target (414 beyond).
  std::size_t max_target = 8 * 1024;
  /// Most bytes of header field names and values together (431 beyond).
  std::size_t max_header_bytes = 64 * 1024;
  /// Most header fields (431 beyond).
  std::size_t max_header_count = 128;
  /// Largest body, de-chunked (413 beyond): the node's
  /// `--max_message_size`.
  std::size_t max_body = 16 * 1024 * 1024;
};

/// Reads HTTP/1.x requests from a byte stream with nodejs's http-parser,
/// one whole request at a time, holding each to `request_limits` as its
/// bytes arrive: a body claiming more than the limit is refused at its
/// headers, not after it was stored.
class request_parser {
 public:
  /// What `feed` found.
  enum class outcome {
    /// The bytes so far are part of a request; feed more.
    incomplete,
    /// A whole request is ready: take it.
    ready,
    /// The stream is not a well-formed request within the limits: answer
    /// `error_status()` and close the connection.
    failed,
  };

  /// Parses requests from `peer` (for `request::peer`) within `limits`.
  request_parser(request_limits limits, std::string peer);

  request_parser(const request_parser&) = delete;
  request_parser& operator=(const request_parser&) = delete;

  /// Parses from `data`, stopping after one whole request; sets `used` to
  /// how many bytes it consumed (the rest belongs to the next request).
  outcome feed(const char* data, std::size_t n, std::size_t& used);

  /// Returns whether the request being read asked for "100 Continue"
  /// before sending its body, once (the next call returns false).
  bool take_continue_wanted() noexcept;

  /// Returns the request once `feed` said `ready`, and starts on the next.
  request take();

  /// Returns the status to answer a failed stream with (400, 413, 414, 431,
  /// 505).
  int error_status() const noexcept { return error_status_; }

  /// Returns what was wrong with a failed stream.
  const std::string& error_message() const noexcept { return error_message_; }

 private:
  static int on_message_begin(http_parser* p);
  static int on_url(http_parser* p, const char* at, std::size_t n);
  static int on_header_field(http_parser* p, const char* at, std::size_t n);
  static int on_header_value(http_parser* p, const char* at, std::size_t n);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t n);
  static int on_message_complete(http_parser* p);

  int fail(int status, std::string message);
  bool header_bytes(std::size_t n);
  void finish_field();

  request_limits limits_;
  std::string peer_;
  http_parser parser_;
  http_parser_settings settings_;
  request current_;
  std::string field_;
  std::string value_;
  bool in_value_ = false;
  std::size_t header_bytes_ = 0;
  bool complete_ = false;
  bool continue_wanted_ = false;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace mensa::runtime::http
