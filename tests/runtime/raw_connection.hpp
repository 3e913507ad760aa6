#pragma once

// A client that speaks to a node's port byte by byte, as an attacker or a
// broken program would: plain TCP or TLS (OpenSSL, blocking), no CAF.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "caf/atom.hpp"
#include "runtime/testing/test_certificate_authority.hpp"

namespace mensa::test {

/// TLS settings of a raw client: a certificate the node may or may not trust.
class raw_tls {
 public:
  /// A client presenting `files` (certificate and key; its CA is not checked:
  /// the attacker does not care who the node is).
  explicit raw_tls(const runtime::testing::tls_files* files) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    if (files != nullptr) {
      SSL_CTX_use_certificate_chain_file(ctx_, files->certificate.c_str());
      SSL_CTX_use_PrivateKey_file(ctx_, files->key.c_str(), SSL_FILETYPE_PEM);
    }
  }
  ~raw_tls() { SSL_CTX_free(ctx_); }
  raw_tls(const raw_tls&) = delete;
  raw_tls& operator=(const raw_tls&) = delete;

  SSL_CTX* context() const { return ctx_; }

 private:
  SSL_CTX* ctx_;
};

/// One connection to 127.0.0.1:`port`.
class raw_connection {
 public:
  /// Connects; with `tls`, completes a TLS handshake first (`ok()` tells
  /// whether both worked).
  explicit raw_connection(uint16_t port, raw_tls* tls = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in where{};
    where.sin_family = AF_INET;
    where.sin_port = htons(port);
    where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval limit{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&where), sizeof(where)) == 0;
    if (ok_ && tls != nullptr) {
      ssl_ = SSL_new(tls->context());
      SSL_set_fd(ssl_, fd_);
      ok_ = SSL_connect(ssl_) == 1;
      ERR_clear_error();
    }
  }

  ~raw_connection() {
    if (ssl_ != nullptr)
      SSL_free(ssl_);
    if (fd_ >= 0)
      ::close(fd_);
  }

  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  /// Returns whether the connection (and its TLS handshake) is up.
  bool ok() const noexcept { return ok_; }

  /// Sends `bytes`; returns false once the node has closed the connection.
  bool send(std::string_view bytes) {
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

  /// Reads what arrives first (up to 64 KiB), waiting up to `timeout`;
  /// returns nothing once the node has closed the connection.
  std::string read_some(std::chrono::milliseconds timeout) {
    if (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
        return {};
    }
    char buf[65536];
    auto n = ssl_ != nullptr ? SSL_read(ssl_, buf, sizeof(buf))
                             : ::recv(fd_, buf, sizeof(buf), 0);
    ERR_clear_error();
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

  /// Waits up to `timeout` for the node to close the connection, discarding
  /// what it sends meanwhile; returns whether it did.
  bool closed_within(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        return false;
      char buf[4096];
      auto n = ssl_ != nullptr ? SSL_read(ssl_, buf, sizeof(buf))
                               : ::recv(fd_, buf, sizeof(buf), 0);
      ERR_clear_error();
      if (n <= 0)
        return true;
    }
  }

  /// Returns whether the node has closed the connection already.
  bool closed_now() { return closed_within(std::chrono::milliseconds(1)); }

 private:
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool ok_ = false;
};

/// A BASP header (CAF 0.17's actor protocol): operation, flags, payload
/// length, operation data, source and destination actor, big-endian.
inline std::string basp_header(uint8_t operation, uint32_t payload_length,
                               uint64_t destination = 0) {
  std::string out(32, '\0');
  auto put = [&](std::size_t at, uint64_t value, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i)
      out[at + width - 1 - i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  };
  put(0, operation, 1);
  put(4, payload_length, 4);
  put(24, destination, 8);
  return out;
}

/// A client handshake frame for a made-up node with process id `pid`.
inline std::string basp_client_handshake(uint32_t pid) {
  std::string node(8 + 4 + 20, '\0');
  auto implementation = static_cast<uint64_t>(caf::atom("default"));
  for (int i = 0; i < 8; ++i)
    node[7 - i] = static_cast<char>((implementation >> (8 * i)) & 0xFF);
  for (int i = 0; i < 4; ++i)
    node[11 - i] = static_cast<char>((pid >> (8 * i)) & 0xFF);
  for (int i = 0; i < 20; ++i)
    node[12 + i] = static_cast<char>(0x40 + i);
  return basp_header(1, static_cast<uint32_t>(node.size())) + node;
}

}  // namespace mensa::test
