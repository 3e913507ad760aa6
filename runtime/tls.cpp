#include "runtime/tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cstring>
#include <fstream>
#include <memory>

namespace mensa::runtime {

namespace {

// Returns OpenSSL's reason for the most recent failure, and clears the queue.
std::string openssl_reason() {
  std::string reason;
  while (auto code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    reason = text;
  }
  return reason.empty() ? "unknown OpenSSL error" : reason;
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

int passphrase_callback(char* buf, int size, int, void* user) {
  auto& passphrase = *static_cast<const std::string*>(user);
  auto n = std::min<int>(size - 1, static_cast<int>(passphrase.size()));
  std::memcpy(buf, passphrase.data(), static_cast<std::size_t>(n));
  buf[n] = '\0';
  return n;
}

}  // namespace

expected<void> check_tls_files(const std::string& certificate, const std::string& key,
                               const std::string& ca,
                               const std::string& key_passphrase) {
  for (auto [path, flag] : {std::pair{&certificate, "--tls_certificate"},
                            std::pair{&key, "--tls_key"}, std::pair{&ca, "--tls_ca"}})
    if (auto ok = readable(*path, flag); !ok)
      return ok;
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_method()),
                                                        SSL_CTX_free);
  if (!ctx)
    return failure{"cannot create a TLS context: " + openssl_reason()};
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), certificate.c_str()) != 1)
    return failure{"--tls_certificate '" + certificate +
                   "' is not a PEM certificate: " + openssl_reason()};
  std::string passphrase = key_passphrase;
  std::unique_ptr<BIO, decltype(&BIO_free)> key_file(BIO_new_file(key.c_str(), "r"),
                                                     BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> private_key(
      key_file ? PEM_read_bio_PrivateKey(key_file.get(), nullptr, passphrase_callback,
                                         &passphrase)
               : nullptr,
      EVP_PKEY_free);
  if (!private_key)
    return failure{
        "--tls_key '" + key +
        "' is not a usable PEM private key (wrong passphrase?): " + openssl_reason()};
  if (SSL_CTX_use_PrivateKey(ctx.get(), private_key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1)
    return failure{"--tls_key '" + key + "' does not belong to certificate '" +
                   certificate + "'"};
  if (SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr) != 1)
    return failure{"--tls_ca '" + ca +
                   "' holds no PEM certificates: " + openssl_reason()};
  return {};
}

}  // namespace mensa::runtime
