#include "runtime/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace mensa::runtime {

namespace {

constexpr std::size_t max_name_length = 128;
constexpr std::size_t max_host_length = 253;

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
         c == '-';
}

bool valid_dns_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
    return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

bool valid_ipv4(std::string_view host) {
  in_addr out{};
  return inet_pton(AF_INET, std::string(host).c_str(), &out) == 1;
}

bool valid_ipv6(std::string_view host) {
  in6_addr out{};
  return inet_pton(AF_INET6, std::string(host).c_str(), &out) == 1;
}

// Checks a host as written in an address (IPv6 still bracketed). Returns an
// empty string when valid, else what is wrong.
std::string check_host(std::string_view host) {
  if (host.empty())
    return "the host is empty";
  if (host.front() == '[') {
    if (host.back() != ']' || !valid_ipv6(host.substr(1, host.size() - 2)))
      return "'" + std::string(host) + "' is not a valid IPv6 address";
    return {};
  }
  if (host.size() > max_host_length)
    return "the host is longer than 253 characters";
  bool numeric = std::all_of(host.begin(), host.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
  if (numeric) {
    if (!valid_ipv4(host))
      return "'" + std::string(host) + "' is not a valid IPv4 address";
    return {};
  }
  std::size_t begin = 0;
  while (begin <= host.size()) {
    auto end = std::min(host.find('.', begin), host.size());
    if (!valid_dns_label(host.substr(begin, end - begin)))
      return "'" + std::string(host) + "' is not a valid host name";
    begin = end + 1;
  }
  return {};
}

failure bad_address(std::string_view text, const std::string& why) {
  return failure{"invalid address '" + std::string(text) + "': " + why +
                 " (expected name@host:port)"};
}

}  // namespace

bool address::valid_name(std::string_view name) {
  return !name.empty() && name.size() <= max_name_length &&
         std::all_of(name.begin(), name.end(), is_name_char);
}

expected<address> address::parse(std::string_view text) {
  auto at = text.find('@');
  if (at == std::string_view::npos)
    return bad_address(text, "no '@'");
  auto name = text.substr(0, at);
  if (name.empty())
    return bad_address(text, "the name is empty");
  if (!valid_name(name))
    return bad_address(text,
                       "the name may only contain letters, digits, "
                       "'.', '_' and '-' (at most 128)");
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon < at)
    return bad_address(text, "no ':' before the port");
  auto host = text.substr(at + 1, colon - at - 1);
  if (auto why = check_host(host); !why.empty())
    return bad_address(text, why);
  auto port_text = text.substr(colon + 1);
  unsigned long port = 0;
  auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} ||
      end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return bad_address(text, "the port must be a number from 1 to 65535");
  address result;
  result.text_ = std::string(text);
  result.at_ = at;
  result.colon_ = colon;
  result.port_ = static_cast<uint16_t>(port);
  result.hash_ = std::hash<std::string>{}(result.text_);
  return result;
}

expected<address> address::make(std::string_view name, std::string_view host,
                                uint16_t port) {
  std::string text(name);
  text += '@';
  text += make_endpoint(host, port);
  return parse(text);
}

std::string_view address::host() const noexcept {
  auto host = std::string_view(text_).substr(at_ + 1, colon_ - at_ - 1);
  if (!host.empty() && host.front() == '[')
    return host.substr(1, host.size() - 2);
  return host;
}

std::string make_endpoint(std::string_view host, uint16_t port) {
  std::string result;
  bool ipv6 = host.find(':') != std::string_view::npos;
  if (ipv6)
    result += '[';
  result += host;
  if (ipv6)
    result += ']';
  result += ':';
  result += std::to_string(port);
  return result;
}

}  // namespace mensa::runtime
