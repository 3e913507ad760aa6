#include "runtime/testing/http_client.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "runtime/http/request.hpp"

namespace mensa::runtime::testing {

namespace {

http_client& owner(http_parser* p) {
  return *static_cast<http_client*>(p->data);
}

}  // namespace

std::optional<std::string> http_reply::header(std::string_view name) const {
  for (const auto& [field, value] : headers)
    if (http::equal_ignoring_case(field, name))
      return value;
  return std::nullopt;
}

expected<std::unique_ptr<http_client>> http_client::connect(uint16_t port,
                                                            const tls_files* tls,
                                                            const std::string& host) {
  std::unique_ptr<http_client> client(new http_client());
  client->fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in where{};
  where.sin_family = AF_INET;
  where.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &where.sin_addr) != 1)
    return failure{"not an IPv4 address: " + host};
  if (::connect(client->fd_, reinterpret_cast<sockaddr*>(&where), sizeof(where)) != 0)
    return failure{"cannot connect to " + host + ":" + std::to_string(port) + ": " +
                   std::strerror(errno)};
  int one = 1;
  ::setsockopt(client->fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (tls != nullptr) {
    client->ssl_ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(client->ssl_ctx_, SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(client->ssl_ctx_, tls->ca.c_str(), nullptr) !=
            1 ||
        SSL_CTX_use_certificate_chain_file(client->ssl_ctx_,
                                           tls->certificate.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(client->ssl_ctx_, tls->key.c_str(),
                                    SSL_FILETYPE_PEM) != 1)
      return failure{"cannot load the client's TLS files"};
    client->ssl_ = SSL_new(client->ssl_ctx_);
    SSL_set_fd(client->ssl_, client->fd_);
    if (SSL_connect(client->ssl_) != 1) {
      ERR_clear_error();
      return failure{"the TLS handshake failed"};
    }
  }
  http_parser_settings_init(&client->settings_);
  client->settings_.on_status = &http_client::on_status;
  client->settings_.on_header_field = &http_client::on_header_field;
  client->settings_.on_header_value = &http_client::on_header_value;
  client->settings_.on_headers_complete = &http_client::on_headers_complete;
  client->settings_.on_body = &http_client::on_body;
  client->settings_.on_chunk_complete = &http_client::on_chunk_complete;
  client->settings_.on_message_complete = &http_client::on_message_complete;
  http_parser_init(&client->parser_, HTTP_RESPONSE);
  client->parser_.data = client.get();
  return client;
}

http_client::~http_client() {
  if (ssl_ != nullptr)
    SSL_free(ssl_);
  if (ssl_ctx_ != nullptr)
    SSL_CTX_free(ssl_ctx_);
  if (fd_ >= 0)
    ::close(fd_);
}

bool http_client::send_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ssl_ != nullptr
                 ? SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()))
                 : ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      ERR_clear_error();
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

expected<http_reply> http_client::request(
    std::string_view method, std::string_view target, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::chrono::milliseconds timeout) {
  std::string out;
  out += method;
  out += ' ';
  out += target;
  out += " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers)
    out += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT")
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n";
  out += body;
  if (!send_raw(out))
    return failure{"the node closed the connection"};
  head_method_ = method == "HEAD";
  return read_reply(timeout);
}

expected<http_reply> http_client::read_reply(std::chrono::milliseconds timeout) {
  reply_ = http_reply{};
  field_.clear();
  in_value_ = false;
  done_ = false;
  streaming_ = false;
  stream_ended_ = false;
  head_only_ = true;
  if (auto ok = pump(timeout); !ok)
    return ok.error();
  head_only_ = false;
  if (!reply_.chunked && !stream_ended_) {
    // A whole body: read the rest of it.
    done_ = false;
    streaming_ = false;
    if (auto ok = pump(timeout); !ok)
      return ok.error();
  }
  return reply_;
}

expected<std::string> http_client::next_chunk(std::chrono::milliseconds timeout) {
  if (stream_ended_)
    return std::string();
  chunk_.clear();
  streaming_ = true;
  done_ = false;
  if (auto ok = pump(timeout); !ok)
    return ok.error();
  return std::move(chunk_);
}

long http_client::read_some(char* buf, std::size_t n,
                            std::chrono::milliseconds timeout) {
  if (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
    pollfd p{fd_, POLLIN, 0};
    auto ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready == 0)
      return -2;
    if (ready < 0)
      return -1;
  }
  auto got = ssl_ != nullptr ? SSL_read(ssl_, buf, static_cast<int>(n))
                             : ::recv(fd_, buf, n, 0);
  ERR_clear_error();
  return got;
}

expected<void> http_client::pump(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!unparsed_.empty()) {
      if (HTTP_PARSER_ERRNO(&parser_) == HPE_PAUSED)
        http_parser_pause(&parser_, 0);
      auto used =
          http_parser_execute(&parser_, &settings_, unparsed_.data(), unparsed_.size());
      auto error = HTTP_PARSER_ERRNO(&parser_);
      unparsed_.erase(0, used);
      if (error != HPE_OK && error != HPE_PAUSED)
        return failure{std::string("malformed answer: ") +
                       http_errno_description(error)};
      if (done_)
        return {};
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return failure{"no answer in time"};
    char buf[65536];
    auto n = read_some(buf, sizeof buf, left);
    if (n == -2)
      return failure{"no answer in time"};
    if (n <= 0)
      return failure{"the node closed the connection"};
    unparsed_.append(buf, static_cast<std::size_t>(n));
  }
}

bool http_client::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    char buf[4096];
    auto n = read_some(buf, sizeof buf, left);
    if (n == -2)
      return false;
    if (n <= 0)
      return true;
  }
}

int http_client::on_status(http_parser* p, const char*, std::size_t) {
  owner(p).reply_.status = static_cast<int>(p->status_code);
  return 0;
}

int http_client::on_header_field(http_parser* p, const char* at, std::size_t n) {
  auto& self = owner(p);
  if (self.in_value_) {
    self.in_value_ = false;
    self.field_.clear();
  }
  self.field_.append(at, n);
  return 0;
}

int http_client::on_header_value(http_parser* p, const char* at, std::size_t n) {
  auto& self = owner(p);
  if (!self.in_value_) {
    self.in_value_ = true;
    self.reply_.headers.emplace_back(self.field_, std::string());
  }
  self.reply_.headers.back().second.append(at, n);
  return 0;
}

int http_client::on_headers_complete(http_parser* p) {
  auto& self = owner(p);
  self.reply_.status = static_cast<int>(p->status_code);
  self.reply_.chunked = (p->flags & F_CHUNKED) != 0;
  self.done_ = true;
  http_parser_pause(p, 1);
  // A HEAD answer has no body, whatever its Content-Length says.
  return self.head_method_ ? 1 : 0;
}

int http_client::on_body(http_parser* p, const char* at, std::size_t n) {
  auto& self = owner(p);
  if (self.reply_.chunked)
    self.chunk_.append(at, n);
  else
    self.reply_.body.append(at, n);
  return 0;
}

int http_client::on_chunk_complete(http_parser* p) {
  auto& self = owner(p);
  if (self.streaming_ && !self.chunk_.empty()) {
    self.done_ = true;
    http_parser_pause(p, 1);
  }
  return 0;
}

int http_client::on_message_complete(http_parser* p) {
  auto& self = owner(p);
  self.stream_ended_ = true;
  self.done_ = true;
  http_parser_pause(p, 1);
  return 0;
}

}  // namespace mensa::runtime::testing
