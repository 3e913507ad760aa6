#include "runtime/http/request.hpp"

namespace mensa::runtime::http {

namespace {

char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

// Percent-decodes `in` into `out`; in a query, '+' is a space.
bool decode(std::string_view in, bool query, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size())
        return false;
      auto high = hex_value(in[i + 1]);
      auto low = hex_value(in[i + 2]);
      if (high < 0 || low < 0)
        return false;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (query && c == '+') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

}  // namespace

bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

std::optional<std::string_view> header_fields::get(std::string_view name) const {
  for (const auto& [field, value] : fields_)
    if (equal_ignoring_case(field, name))
      return std::string_view(value);
  return std::nullopt;
}

std::optional<std::string_view> request::query_value(std::string_view name) const {
  for (const auto& [key, value] : query)
    if (key == name)
      return std::string_view(value);
  return std::nullopt;
}

bool split_target(std::string_view target, std::string& path,
                  std::vector<std::pair<std::string, std::string>>& query) {
  query.clear();
  auto fragment = target.find('#');
  if (fragment != std::string_view::npos)
    target = target.substr(0, fragment);
  auto mark = target.find('?');
  if (!decode(target.substr(0, mark), false, path))
    return false;
  if (mark == std::string_view::npos)
    return true;
  auto rest = target.substr(mark + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    std::string key;
    std::string value;
    if (!decode(pair.substr(0, eq), true, key))
      return false;
    if (eq != std::string_view::npos && !decode(pair.substr(eq + 1), true, value))
      return false;
    query.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

}  // namespace mensa::runtime::http
