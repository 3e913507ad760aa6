#include "runtime/http/media_types.hpp"

#include "runtime/http/json.hpp"
#include "runtime/http/response.hpp"

namespace mensa::runtime::http {

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// The type without its parameters ("application/json; charset=utf-8").
std::string_view bare_type(std::string_view media_type) {
  return trimmed(media_type.substr(0, media_type.find(';')));
}

bool accepts(std::string_view accept, std::string_view type) {
  auto slash = type.find('/');
  auto major = type.substr(0, slash);
  while (!accept.empty()) {
    auto comma = accept.find(',');
    auto item = accept.substr(0, comma);
    accept =
        comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    // A quality of 0 refuses the type.
    auto params = item.find(';');
    if (params != std::string_view::npos) {
      auto q = item.find("q=", params);
      if (q != std::string_view::npos) {
        auto value = trimmed(item.substr(q + 2));
        if (!value.empty() && value.find_first_not_of("0.") == std::string_view::npos)
          continue;
      }
    }
    auto candidate = bare_type(item);
    if (candidate == "*/*" || equal_ignoring_case(candidate, type))
      return true;
    if (candidate.size() == major.size() + 2 &&
        equal_ignoring_case(candidate.substr(0, major.size()), major) &&
        candidate.substr(major.size()) == "/*")
      return true;
  }
  return false;
}

}  // namespace

std::optional<encoding> body_encoding(std::string_view content_type) {
  auto type = bare_type(content_type);
  if (equal_ignoring_case(type, json_type))
    return encoding::json;
  if (equal_ignoring_case(type, protobuf_type))
    return encoding::protobuf;
  return std::nullopt;
}

std::optional<encoding> answer_encoding(const request& r) {
  auto accept = r.header("Accept");
  if (!accept || trimmed(*accept).empty() || accepts(*accept, json_type))
    return encoding::json;
  if (accepts(*accept, protobuf_type))
    return encoding::protobuf;
  return std::nullopt;
}

std::string_view content_type_of(encoding e) {
  return e == encoding::json ? json_type : protobuf_type;
}

std::string encode(const google::protobuf::Message& message, encoding e) {
  if (e == encoding::json)
    return to_json(message);
  return message.SerializeAsString();
}

std::string recordio(std::string_view record) {
  auto out = std::to_string(record.size());
  out += '\n';
  out += record;
  return out;
}

}  // namespace mensa::runtime::http
