#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "runtime/expected.hpp"

namespace mensa::runtime {

/// Names a process anywhere in the cluster: `name@host:port`, like a
/// libprocess UPID (`master@10.0.0.1:5050`). The name is unique on its node;
/// `host:port` is the node's endpoint. Instances are always valid or empty.
class address {
 public:
  /// The empty address, which names nothing.
  address() = default;

  /// Parses `name@host:port`. The name is 1-128 characters from
  /// `[A-Za-z0-9._-]`; the host an IPv4 address, a DNS name, or an IPv6
  /// address in brackets; the port 1-65535.
  static expected<address> parse(std::string_view text);

  /// Builds an address from its parts, validating each as `parse` does.
  static expected<address> make(std::string_view name, std::string_view host,
                                uint16_t port);

  /// Returns whether `name` may name a process.
  static bool valid_name(std::string_view name);

  /// Returns whether this address names nothing.
  bool empty() const noexcept { return text_.empty(); }

  /// Returns the canonical text, `name@host:port`.
  const std::string& str() const noexcept { return text_; }

  /// Returns the process name.
  std::string_view name() const noexcept {
    return std::string_view(text_).substr(0, at_);
  }

  /// Returns the host part, IPv6 addresses without brackets.
  std::string_view host() const noexcept;

  /// Returns the port.
  uint16_t port() const noexcept { return port_; }

  /// Returns `host:port`, the node's endpoint, as written in the address.
  std::string_view endpoint() const noexcept {
    return std::string_view(text_).substr(at_ + 1);
  }

  /// Returns the hash of the text, computed once when parsed.
  std::size_t hash() const noexcept { return hash_; }

  friend bool operator==(const address& x, const address& y) {
    return x.hash_ == y.hash_ && x.text_ == y.text_;
  }
  friend bool operator!=(const address& x, const address& y) { return !(x == y); }
  friend bool operator<(const address& x, const address& y) {
    return x.text_ < y.text_;
  }

 private:
  std::string text_;
  std::size_t at_ = 0;
  std::size_t colon_ = 0;
  uint16_t port_ = 0;
  std::size_t hash_ = std::hash<std::string>{}(std::string{});
};

/// Formats `host:port`, bracketing IPv6 hosts.
std::string make_endpoint(std::string_view host, uint16_t port);

}  // namespace mensa::runtime

template <>
struct std::hash<mensa::runtime::address> {
  std::size_t operator()(const mensa::runtime::address& x) const noexcept {
    return x.hash();
  }
};
