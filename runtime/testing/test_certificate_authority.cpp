#include "runtime/testing/test_certificate_authority.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mensa::runtime::testing {

namespace {

struct pkey_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
  void operator()(X509* p) const { X509_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

std::string openssl_reason() {
  char text[256] = "unknown OpenSSL error";
  if (auto code = ERR_get_error())
    ERR_error_string_n(code, text, sizeof(text));
  return text;
}

bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr)
    return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// Makes a certificate for `subject_key` named `common_name`, signed by
// `issuer_key` (self-signed when `issuer` is null).
x509_ptr make_certificate(const std::string& common_name, EVP_PKEY* subject_key,
                          X509* issuer, EVP_PKEY* issuer_key, long serial, bool ca) {
  x509_ptr cert(X509_new());
  if (!cert)
    return nullptr;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  X509_set_pubkey(cert.get(), subject_key);
  auto* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("mensa test"), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool extensions_ok =
      ca ? add_extension(cert.get(), signer, NID_basic_constraints,
                         "critical,CA:TRUE") &&
               add_extension(cert.get(), signer, NID_key_usage,
                             "critical,keyCertSign,cRLSign")
         : add_extension(cert.get(), signer, NID_basic_constraints, "CA:FALSE");
  if (!extensions_ok || X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0)
    return nullptr;
  return cert;
}

expected<void> write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr)
    return failure{"cannot write " + path + ": " + std::strerror(errno)};
  bool ok = cert ? PEM_write_X509(file, cert) == 1
                 : PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr,
                                        nullptr) == 1;
  std::fclose(file);
  if (!ok)
    return failure{"cannot write " + path + ": " + openssl_reason()};
  return {};
}

}  // namespace

struct test_certificate_authority::keys {
  pkey_ptr key;
  x509_ptr certificate;
};

test_certificate_authority::test_certificate_authority(
    test_certificate_authority&&) noexcept = default;
test_certificate_authority& test_certificate_authority::operator=(
    test_certificate_authority&&) noexcept = default;
test_certificate_authority::~test_certificate_authority() = default;

expected<test_certificate_authority> test_certificate_authority::create(
    const std::string& directory, const std::string& name) {
  test_certificate_authority ca;
  ca.directory_ = directory;
  ca.keys_ = std::make_unique<keys>();
  ca.keys_->key.reset(EVP_EC_gen("P-256"));
  if (!ca.keys_->key)
    return failure{"cannot make a CA key: " + openssl_reason()};
  ca.keys_->certificate = make_certificate(name + " CA", ca.keys_->key.get(), nullptr,
                                           ca.keys_->key.get(), 1, true);
  if (!ca.keys_->certificate)
    return failure{"cannot make a CA certificate: " + openssl_reason()};
  ca.certificate_path_ = directory + "/" + name + "-ca.pem";
  if (auto ok = write_pem(ca.certificate_path_, ca.keys_->certificate.get(), nullptr);
      !ok)
    return ok.error();
  return ca;
}

expected<tls_files> test_certificate_authority::issue(const std::string& common_name) {
  pkey_ptr key(EVP_EC_gen("P-256"));
  if (!key)
    return failure{"cannot make a key: " + openssl_reason()};
  auto cert = make_certificate(common_name, key.get(), keys_->certificate.get(),
                               keys_->key.get(), next_serial_++, false);
  if (!cert)
    return failure{"cannot make a certificate: " + openssl_reason()};
  tls_files files{directory_ + "/" + common_name + ".pem",
                  directory_ + "/" + common_name + ".key", certificate_path_};
  if (auto ok = write_pem(files.certificate, cert.get(), nullptr); !ok)
    return ok.error();
  if (auto ok = write_pem(files.key, nullptr, key.get()); !ok)
    return ok.error();
  return files;
}

}  // namespace mensa::runtime::testing
