#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "caf/io/network/native_socket.hpp"
#include "caf/io/network/rw_state.hpp"
#include "runtime/expected.hpp"

using SSL = struct ssl_st;
using SSL_CTX = struct ssl_ctx_st;

namespace mensa::runtime::port {

class tls_session;

/// The TLS settings of a node's port, loaded once: its certificate and key,
/// the certificates it trusts, and mutual verification (each side must
/// present a certificate the other trusts). Every connection's session is
/// made from it. Safe to use from any thread.
class tls_context {
 public:
  /// Loads the files, checking that all three are given and readable, that
  /// the certificate and key are PEM and belong together, and that the CA
  /// file holds certificates; fails with a message naming the file that is
  /// unusable. (Nodes check at start-up, so that no connection ever meets a
  /// bad file.)
  static expected<std::shared_ptr<tls_context>> load(const std::string& certificate,
                                                     const std::string& key,
                                                     const std::string& ca,
                                                     const std::string& passphrase);

  ~tls_context();

  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  /// Makes the server side of a session on the accepted socket `fd`.
  expected<std::unique_ptr<tls_session>> accept(caf::io::network::native_socket fd);

  /// Makes the client side of a session on the connected socket `fd`.
  expected<std::unique_ptr<tls_session>> connect(caf::io::network::native_socket fd);

 private:
  explicit tls_context(SSL_CTX* ctx) : ctx_(ctx) {}

  expected<std::unique_ptr<tls_session>> make(caf::io::network::native_socket fd,
                                              bool server);

  SSL_CTX* ctx_;
};

/// One connection's TLS, on a non-blocking socket: the handshake runs on
/// the first reads and writes, then data flows through it. Each call
/// reports in CAF's terms (success with 0 bytes means "try again when the
/// socket is ready"), so a CAF stream can drive it. OpenSSL's error queue is
/// emptied before every call, as OpenSSL requires: a stale error left by
/// another connection of the same thread must not fail this one.
class tls_session {
 public:
  ~tls_session();

  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  /// Reads up to `len` decrypted bytes into `buf`.
  caf::io::network::rw_state read_some(std::size_t& result, void* buf, std::size_t len);

  /// Writes up to `len` bytes from `buf`; 0 bytes drives the handshake.
  caf::io::network::rw_state write_some(std::size_t& result, const void* buf,
                                        std::size_t len);

  /// Returns decrypted bytes OpenSSL holds that the socket no longer shows.
  std::size_t pending() const;

  /// Returns OpenSSL's reason for the last failure, or an empty string.
  const std::string& last_error() const noexcept { return last_error_; }

 private:
  friend class tls_context;
  explicit tls_session(SSL* ssl) : ssl_(ssl) {}

  caf::io::network::rw_state finish_handshake(bool writing, std::size_t len);
  template <class Io>
  caf::io::network::rw_state transfer(bool writing, std::size_t& result,
                                      std::size_t len, Io io);
  bool would_block(int ret);

  SSL* ssl_;
  bool handshaking_ = true;
  std::string last_error_;
};

}  // namespace mensa::runtime::port
