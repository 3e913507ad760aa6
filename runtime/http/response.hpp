#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mensa::runtime::http {

/// Content types mensa's HTTP APIs speak.
inline constexpr std::string_view json_type = "application/json";
inline constexpr std::string_view protobuf_type = "application/x-protobuf";
inline constexpr std::string_view text_type = "text/plain; charset=utf-8";

/// One HTTP answer: a status, header fields and a body. `Content-Length`
/// (or the chunked framing of a stream) and `Connection` are added by the
/// connection that writes it.
struct response {
  /// The status code, e.g. 200.
  int status = 200;
  /// Header fields besides the framing ones.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The body (empty for a stream's head).
  std::string body;

  /// Sets header `name` to `value` and returns this.
  response& with(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  /// Returns a 200 with `body` of `content_type`.
  static response ok(std::string body, std::string_view content_type = json_type);

  /// Returns a status with no body (200, 202, 204, ...).
  static response empty(int status);

  /// Returns an error `status` whose plain-text body says `message`, as
  /// libprocess answers (400 "Expecting 'Content-Type' to be present").
  static response error(int status, std::string message);
};

/// Returns the reason phrase of `status`, e.g. "Not Found".
std::string_view reason_phrase(int status) noexcept;

/// Appends the status line and header fields of `r` to `out`, with
/// `framing` (e.g. "Content-Length: 12\r\n") and the final empty line.
void write_head(const response& r, std::string_view framing, std::string& out);

}  // namespace mensa::runtime::http
