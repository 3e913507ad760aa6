#include "runtime/http/response.hpp"

namespace mensa::runtime::http {

response response::ok(std::string body, std::string_view content_type) {
  response r;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", std::string(content_type));
  return r;
}

response response::empty(int status) {
  response r;
  r.status = status;
  return r;
}

response response::error(int status, std::string message) {
  response r;
  r.status = status;
  r.body = std::move(message);
  r.headers.emplace_back("Content-Type", std::string(text_type));
  return r;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
  }
  return "Unknown";
}

void write_head(const response& r, std::string_view framing, std::string& out) {
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += reason_phrase(r.status);
  out += "\r\n";
  for (const auto& [name, value] : r.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += framing;
  out += "\r\n";
}

}  // namespace mensa::runtime::http
