#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mensa::runtime::http {

/// Header fields as they came, in order; names compare case-insensitively.
class header_fields {
 public:
  /// Appends a field.
  void add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
  }

  /// Returns the value of the first field called `name` (any case), or none.
  std::optional<std::string_view> get(std::string_view name) const;

  /// Returns every field, in the order received.
  const std::vector<std::pair<std::string, std::string>>& all() const noexcept {
    return fields_;
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

/// Returns whether `a` and `b` are equal ignoring ASCII case.
bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept;

/// One HTTP request as a node's port received it, whole: what a route's
/// handler sees.
struct request {
  /// The method, e.g. "GET" or "POST".
  std::string method;
  /// The request target as sent, e.g. "/master/tasks?limit=10".
  std::string target;
  /// The target's path, percent-decoded, e.g. "/master/tasks".
  std::string path;
  /// The query's parameters, percent-decoded, in order.
  std::vector<std::pair<std::string, std::string>> query;
  /// The header fields.
  header_fields headers;
  /// The body, de-chunked.
  std::string body;
  /// HTTP version as major * 10 + minor: 10 or 11.
  int version = 11;
  /// Whether the client wants the connection kept open after the answer.
  bool keep_alive = true;
  /// The client's address, "ip:port".
  std::string peer;

  /// Returns the value of query parameter `name`, or none.
  std::optional<std::string_view> query_value(std::string_view name) const;

  /// Returns the value of header `name`, or none.
  std::optional<std::string_view> header(std::string_view name) const {
    return headers.get(name);
  }
};

/// Splits a request target into its percent-decoded path and query
/// parameters; returns false when either is not well-formed (a '%' not
/// followed by two hex digits).
bool split_target(std::string_view target, std::string& path,
                  std::vector<std::pair<std::string, std::string>>& query);

}  // namespace mensa::runtime::http
