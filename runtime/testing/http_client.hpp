#pragma once

#include <http_parser.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/expected.hpp"
#include "runtime/testing/test_certificate_authority.hpp"

namespace mensa::runtime::testing {

/// An answer an `http_client` read: whole, or the head of a stream.
struct http_reply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Whether the body comes in chunks (read them with `next_chunk`).
  bool chunked = false;

  /// Returns the value of header `name` (any case), or none.
  std::optional<std::string> header(std::string_view name) const;
};

/// A blocking HTTP/1.1 client of a node's port for tests and benchmarks,
/// over plain TCP or TLS, keeping its connection alive between requests.
/// Answers are read with http-parser, as strictly as a real client would.
class http_client {
 public:
  /// Connects to `host:port`; with `tls`, presents its certificate and
  /// trusts its CA.
  static expected<std::unique_ptr<http_client>> connect(
      uint16_t port, const tls_files* tls = nullptr,
      const std::string& host = "127.0.0.1");

  ~http_client();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends a request and reads its answer: whole, or only the head of a
  /// chunked stream (then `next_chunk`). Fails when the connection ends or
  /// nothing comes within `timeout`.
  expected<http_reply> request(
      std::string_view method, std::string_view target, std::string_view body = {},
      const std::vector<std::pair<std::string, std::string>>& headers = {},
      std::chrono::milliseconds timeout = std::chrono::seconds(30));

  /// Reads the next chunk of a stream; an empty chunk means the stream
  /// ended. Fails when the connection ends or nothing comes in `timeout`.
  expected<std::string> next_chunk(
      std::chrono::milliseconds timeout = std::chrono::seconds(30));

  /// Sends raw bytes (half a request, garbage); returns false once the
  /// connection is closed.
  bool send_raw(std::string_view bytes);

  /// Reads an answer to what `send_raw` sent, as `request` does.
  expected<http_reply> read_reply(
      std::chrono::milliseconds timeout = std::chrono::seconds(30));

  /// Waits up to `timeout` for the node to close the connection; returns
  /// whether it did.
  bool closed_within(std::chrono::milliseconds timeout);

 private:
  http_client() = default;
  // Reads into the parser until `done_` or an error.
  expected<void> pump(std::chrono::milliseconds timeout);
  long read_some(char* buf, std::size_t n, std::chrono::milliseconds timeout);

  static int on_status(http_parser* p, const char* at, std::size_t n);
  static int on_header_field(http_parser* p, const char* at, std::size_t n);
  static int on_header_value(http_parser* p, const char* at, std::size_t n);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t n);
  static int on_chunk_complete(http_parser* p);
  static int on_message_complete(http_parser* p);

  int fd_ = -1;
  SSL_CTX* ssl_ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  http_parser parser_{};
  http_parser_settings settings_{};
  std::string unparsed_;
  http_reply reply_;
  std::string field_;
  bool in_value_ = false;
  bool head_only_ = false;
  bool done_ = false;
  bool streaming_ = false;
  bool stream_ended_ = false;
  std::string chunk_;
  bool head_method_ = false;
};

}  // namespace mensa::runtime::testing
