#include "runtime/http/server_connection.hpp"

#include <cstdio>
#include <utility>

namespace mensa::runtime::http {

server_connection::server_connection(socket& io, request_limits limits,
                                     std::string peer, exchange::poster post,
                                     request_handler on_request)
    : io_(io),
      parser_(limits, std::move(peer)),
      post_(std::move(post)),
      on_request_(std::move(on_request)) {
  // nop
}

server_connection::~server_connection() {
  closed();
}

void server_connection::feed(const char* data, std::size_t n) {
  if (closing_)
    return;
  pending_.append(data, n);
  serve_pending();
  if (!closing_ && current_ != nullptr && pending_.size() > max_pending) {
    pending_.clear();
    closed();
    io_.close_when_written();
  }
}

void server_connection::serve_pending() {
  // A handler may answer inside `on_request_`, which finishes the exchange
  // and comes back here: the loop below serves what follows instead.
  if (serving_)
    return;
  serving_ = true;
  while (!closing_ && current_ == nullptr && !pending_.empty()) {
    std::size_t used = 0;
    auto outcome = parser_.feed(pending_.data(), pending_.size(), used);
    pending_.erase(0, used);
    if (parser_.take_continue_wanted())
      io_.write("HTTP/1.1 100 Continue\r\n\r\n");
    if (outcome == request_parser::outcome::failed) {
      refuse(parser_.error_status(), parser_.error_message());
      break;
    }
    if (outcome == request_parser::outcome::incomplete)
      break;
    auto r = parser_.take();
    current_keep_alive_ = r.keep_alive;
    current_head_ = r.method == "HEAD";
    stream_unframed_ = r.version < 11;
    ++requests_;
    current_ = std::make_shared<exchange>(post_);
    io_.awaiting_request(false);
    on_request_(std::move(r), responder(current_));
  }
  serving_ = false;
}

void server_connection::refuse(int status, const std::string& message) {
  write_whole(response::error(status, message + "\n"), false, false);
  closing_ = true;
  io_.close_when_written();
}

void server_connection::answer(exchange& x, response&& r) {
  if (!is_current(x) || streaming_)
    return;
  write_whole(r, current_keep_alive_, current_head_);
  finished(current_keep_alive_);
}

void server_connection::write_whole(const response& r, bool keep_alive,
                                    bool head_only) {
  out_.clear();
  std::string framing = "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  if (!keep_alive)
    framing += "Connection: close\r\n";
  write_head(r, framing, out_);
  io_.write(out_);
  // The body apart: a big one (a cluster's state) is not copied once more,
  // nor kept in `out_` after.
  if (!head_only && !r.body.empty())
    io_.write(r.body);
}

void server_connection::open_stream(exchange& x, response&& r) {
  if (!is_current(x) || streaming_)
    return;
  streaming_ = true;
  out_.clear();
  write_head(
      r, stream_unframed_ ? "Connection: close\r\n" : "Transfer-Encoding: chunked\r\n",
      out_);
  io_.write(out_);
}

void server_connection::write_chunk(exchange& x, std::string_view bytes) {
  if (!is_current(x) || !streaming_ || bytes.empty())
    return;
  if (stream_unframed_) {
    io_.write(bytes);
    return;
  }
  char size[32];
  auto n = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  out_.assign(size, static_cast<std::size_t>(n));
  out_ += bytes;
  out_ += "\r\n";
  io_.write(out_);
}

void server_connection::end_stream(exchange& x) {
  if (!is_current(x) || !streaming_)
    return;
  streaming_ = false;
  if (!stream_unframed_)
    io_.write("0\r\n\r\n");
  finished(current_keep_alive_ && !stream_unframed_);
}

void server_connection::finished(bool keep_alive) {
  current_->end();
  current_ = nullptr;
  if (!keep_alive) {
    closing_ = true;
    io_.close_when_written();
    return;
  }
  io_.awaiting_request(true);
  serve_pending();
}

void server_connection::closed() {
  closing_ = true;
  if (auto x = std::exchange(current_, nullptr))
    x->client_gone();
}

}  // namespace mensa::runtime::http
