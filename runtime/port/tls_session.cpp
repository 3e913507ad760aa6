#include "runtime/port/tls_session.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

namespace mensa::runtime::port {

using caf::io::network::rw_state;

namespace {

// Returns OpenSSL's reasons for the last failure, and empties the queue.
std::string drain_errors() {
  std::string reasons;
  while (auto code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    if (!reasons.empty())
      reasons += "; ";
    reasons += text;
  }
  return reasons;
}

int passphrase_callback(char* buf, int size, int, void* user) {
  auto& passphrase = *static_cast<const std::string*>(user);
  auto n = std::min<int>(size - 1, static_cast<int>(passphrase.size()));
  std::memcpy(buf, passphrase.data(), static_cast<std::size_t>(n));
  buf[n] = '\0';
  return n;
}

expected<void> readable(const std::string& path, const char* flag) {
  if (path.empty())
    return failure{std::string("TLS needs ") + flag +
                   " as well (set --tls_certificate, --tls_key and --tls_ca "
                   "together)"};
  std::ifstream in(path);
  if (!in)
    return failure{std::string("cannot read ") + flag + " '" + path +
                   "': " + std::strerror(errno)};
  return {};
}

}  // namespace

expected<std::shared_ptr<tls_context>> tls_context::load(
    const std::string& certificate, const std::string& key, const std::string& ca,
    const std::string& passphrase) {
  for (auto [path, flag] : {std::pair{&certificate, "--tls_certificate"},
                            std::pair{&key, "--tls_key"}, std::pair{&ca, "--tls_ca"}})
    if (auto ok = readable(*path, flag); !ok)
      return ok.error();
  ERR_clear_error();
  auto* ctx = SSL_CTX_new(TLS_method());
  if (ctx == nullptr)
    return failure{"cannot create a TLS context: " + drain_errors()};
  std::shared_ptr<tls_context> result(new tls_context(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, certificate.c_str()) != 1)
    return failure{"--tls_certificate '" + certificate +
                   "' is not a PEM certificate: " + drain_errors()};
  std::string secret = passphrase;
  std::unique_ptr<BIO, decltype(&BIO_free)> key_file(BIO_new_file(key.c_str(), "r"),
                                                     BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> private_key(
      key_file ? PEM_read_bio_PrivateKey(key_file.get(), nullptr, passphrase_callback,
                                         &secret)
               : nullptr,
      EVP_PKEY_free);
  if (!private_key)
    return failure{
        "--tls_key '" + key +
        "' is not a usable PEM private key (wrong passphrase?): " + drain_errors()};
  if (SSL_CTX_use_PrivateKey(ctx, private_key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1)
    return failure{"--tls_key '" + key + "' does not belong to certificate '" +
                   certificate + "'"};
  if (SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) != 1)
    return failure{"--tls_ca '" + ca +
                   "' holds no PEM certificates: " + drain_errors()};
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  if (SSL_CTX_set_cipher_list(ctx, "HIGH:!aNULL:!MD5") != 1)
    return failure{"cannot set the TLS ciphers: " + drain_errors()};
  // A CAF stream hands SSL_write the rest of its buffer, wherever it now
  // starts, and takes what could be written.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  // What a connection not yet identified may make OpenSSL hold: a modest
  // certificate chain, no session cache or tickets.
  SSL_CTX_set_max_cert_list(ctx, 16 * 1024);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  return result;
}

tls_context::~tls_context() {
  SSL_CTX_free(ctx_);
}

expected<std::unique_ptr<tls_session>> tls_context::accept(
    caf::io::network::native_socket fd) {
  return make(fd, true);
}

expected<std::unique_ptr<tls_session>> tls_context::connect(
    caf::io::network::native_socket fd) {
  return make(fd, false);
}

expected<std::unique_ptr<tls_session>> tls_context::make(
    caf::io::network::native_socket fd, bool server) {
  ERR_clear_error();
  auto* ssl = SSL_new(ctx_);
  if (ssl == nullptr)
    return failure{"cannot start a TLS session: " + drain_errors()};
  std::unique_ptr<tls_session> session(new tls_session(ssl));
  if (SSL_set_fd(ssl, fd) != 1)
    return failure{"cannot start a TLS session: " + drain_errors()};
  if (server)
    SSL_set_accept_state(ssl);
  else
    SSL_set_connect_state(ssl);
  return session;
}

tls_session::~tls_session() {
  SSL_free(ssl_);
}

bool tls_session::would_block(int ret) {
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return true;
    default:
      last_error_ = drain_errors();
      if (last_error_.empty())
        last_error_ = "the connection closed";
      return false;
  }
}

rw_state tls_session::finish_handshake(bool writing, std::size_t len) {
  ERR_clear_error();
  auto ret = SSL_do_handshake(ssl_);
  if (ret == 1) {
    handshaking_ = false;
    return rw_state::success;
  }
  if (!would_block(ret))
    return rw_state::failure;
  // A write event that can only wait for the peer's answer is not worth
  // polling for (CAF's own session does the same).
  if (writing && len == 0 && SSL_get_error(ssl_, ret) == SSL_ERROR_WANT_READ)
    return rw_state::indeterminate;
  return rw_state::success;
}

template <class Io>
rw_state tls_session::transfer(bool writing, std::size_t& result, std::size_t len,
                               Io io) {
  result = 0;
  if (handshaking_) {
    auto state = finish_handshake(writing, len);
    if (handshaking_ || state != rw_state::success)
      return state;
  }
  if (len == 0)
    return rw_state::indeterminate;
  ERR_clear_error();
  auto ret = io(static_cast<int>(std::min<std::size_t>(len, 1 << 30)));
  if (ret > 0) {
    result = static_cast<std::size_t>(ret);
    return rw_state::success;
  }
  return would_block(ret) ? rw_state::success : rw_state::failure;
}

rw_state tls_session::read_some(std::size_t& result, void* buf, std::size_t len) {
  return transfer(false, result, len, [&](int n) { return SSL_read(ssl_, buf, n); });
}

rw_state tls_session::write_some(std::size_t& result, const void* buf,
                                 std::size_t len) {
  return transfer(true, result, len, [&](int n) { return SSL_write(ssl_, buf, n); });
}

std::size_t tls_session::pending() const {
  return static_cast<std::size_t>(SSL_pending(ssl_));
}

}  // namespace mensa::runtime::port
