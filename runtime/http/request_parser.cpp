#include "runtime/http/request_parser.hpp"

#include <utility>

namespace mensa::runtime::http {

namespace {

request_parser& owner(http_parser* p) {
  return *static_cast<request_parser*>(p->data);
}

}  // namespace

request_parser::request_parser(request_limits limits, std::string peer)
    : limits_(limits), peer_(std::move(peer)) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = &request_parser::on_message_begin;
  settings_.on_url = &request_parser::on_url;
  settings_.on_header_field = &request_parser::on_header_field;
  settings_.on_header_value = &request_parser::on_header_value;
  settings_.on_headers_complete = &request_parser::on_headers_complete;
  settings_.on_body = &request_parser::on_body;
  settings_.on_message_complete = &request_parser::on_message_complete;
}

request_parser::outcome request_parser::feed(const char* data, std::size_t n,
                                             std::size_t& used) {
  used = 0;
  if (error_status_ != 0)
    return outcome::failed;
  if (complete_)
    return outcome::ready;
  used = http_parser_execute(&parser_, &settings_, data, n);
  auto error = HTTP_PARSER_ERRNO(&parser_);
  if (error_status_ != 0)
    return outcome::failed;
  if (complete_) {
    // Paused after the request: the rest is the next one's.
    return outcome::ready;
  }
  if (error != HPE_OK) {
    if (error == HPE_HEADER_OVERFLOW)
      fail(431, "the request's header is too large");
    else if (error == HPE_INVALID_VERSION)
      fail(505, "only HTTP/1.0 and HTTP/1.1 are served");
    else
      fail(400, std::string("malformed request: ") + http_errno_description(error));
    return outcome::failed;
  }
  if (parser_.upgrade) {
    fail(400, "protocol upgrades (and CONNECT) are not served");
    return outcome::failed;
  }
  return outcome::incomplete;
}

bool request_parser::take_continue_wanted() noexcept {
  return std::exchange(continue_wanted_, false);
}

request request_parser::take() {
  auto result = std::move(current_);
  current_ = request{};
  complete_ = false;
  continue_wanted_ = false;
  if (HTTP_PARSER_ERRNO(&parser_) == HPE_PAUSED)
    http_parser_pause(&parser_, 0);
  return result;
}

int request_parser::fail(int status, std::string message) {
  if (error_status_ == 0) {
    error_status_ = status;
    error_message_ = std::move(message);
  }
  // Stops the parser where it is (it asserts on pausing a failed one).
  if (HTTP_PARSER_ERRNO(&parser_) == HPE_OK)
    http_parser_pause(&parser_, 1);
  return 0;
}

bool request_parser::header_bytes(std::size_t n) {
  header_bytes_ += n;
  if (header_bytes_ > limits_.max_header_bytes) {
    fail(431, "the request's header fields exceed " +
                  std::to_string(limits_.max_header_bytes) + " bytes");
    return false;
  }
  return true;
}

void request_parser::finish_field() {
  if (!in_value_)
    return;
  current_.headers.add(std::move(field_), std::move(value_));
  field_.clear();
  value_.clear();
  in_value_ = false;
}

int request_parser::on_message_begin(http_parser* p) {
  auto& self = owner(p);
  self.header_bytes_ = 0;
  self.current_.peer = self.peer_;
  return 0;
}

int request_parser::on_url(http_parser* p, const char* at, std::size_t n) {
  auto& self = owner(p);
  if (self.current_.target.size() + n > self.limits_.max_target)
    return self.fail(414, "the request target exceeds " +
                              std::to_string(self.limits_.max_target) + " bytes");
  self.current_.target.append(at, n);
  return 0;
}

int request_parser::on_header_field(http_parser* p, const char* at, std::size_t n) {
  auto& self = owner(p);
  if (!self.header_bytes(n))
    return 0;
  if (self.in_value_) {
    self.finish_field();
    if (self.current_.headers.all().size() >= self.limits_.max_header_count)
      return self.fail(431, "the request has more than " +
                                std::to_string(self.limits_.max_header_count) +
                                " header fields");
  }
  self.field_.append(at, n);
  return 0;
}

int request_parser::on_header_value(http_parser* p, const char* at, std::size_t n) {
  auto& self = owner(p);
  if (!self.header_bytes(n))
    return 0;
  self.in_value_ = true;
  self.value_.append(at, n);
  return 0;
}

int request_parser::on_headers_complete(http_parser* p) {
  auto& self = owner(p);
  self.finish_field();
  auto& r = self.current_;
  r.method = http_method_str(static_cast<http_method>(p->method));
  r.version = p->http_major * 10 + p->http_minor;
  r.keep_alive = http_should_keep_alive(p) != 0;
  if (!split_target(r.target, r.path, r.query))
    return self.fail(400, "the request target is not well-formed: " + r.target);
  if (r.path.empty() || r.path[0] != '/')
    return self.fail(400, "the request target must be a path: " + r.target);
  // A body announced larger than the limit is refused before it comes.
  if ((p->flags & F_CONTENTLENGTH) != 0 && p->content_length > self.limits_.max_body)
    return self.fail(413, "the body of " + std::to_string(p->content_length) +
                              " bytes exceeds the limit of " +
                              std::to_string(self.limits_.max_body) +
                              " (--max_message_size)");
  auto expect = r.headers.get("Expect");
  if (expect && r.version >= 11) {
    if (!equal_ignoring_case(*expect, "100-continue"))
      return self.fail(417, "only 'Expect: 100-continue' is understood");
    self.continue_wanted_ = true;
  }
  return 0;
}

int request_parser::on_body(http_parser* p, const char* at, std::size_t n) {
  auto& self = owner(p);
  if (self.current_.body.size() + n > self.limits_.max_body)
    return self.fail(413, "the body exceeds the limit of " +
                              std::to_string(self.limits_.max_body) +
                              " bytes (--max_message_size)");
  self.current_.body.append(at, n);
  return 0;
}

int request_parser::on_message_complete(http_parser* p) {
  auto& self = owner(p);
  self.complete_ = true;
  self.continue_wanted_ = false;
  http_parser_pause(p, 1);
  return 0;
}

}  // namespace mensa::runtime::http
