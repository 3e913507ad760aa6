#pragma once

#include <memory>
#include <string>

#include "runtime/expected.hpp"

namespace mensa::runtime::testing {

/// The PEM files one node needs for TLS (its certificate and key, and the
/// CA certificate it trusts): what `--tls_certificate`, `--tls_key` and
/// `--tls_ca` point to.
struct tls_files {
  std::string certificate;
  std::string key;
  std::string ca;
};

/// A certificate authority made on the spot for tests and benchmarks: an
/// EC P-256 key and a self-signed CA certificate, written to a directory,
/// that issues node certificates.
class test_certificate_authority {
 public:
  /// Makes a CA called `name`, writing `<name>-ca.pem` into `directory`.
  static expected<test_certificate_authority> create(const std::string& directory,
                                                     const std::string& name);

  test_certificate_authority(test_certificate_authority&&) noexcept;
  test_certificate_authority& operator=(test_certificate_authority&&) noexcept;
  ~test_certificate_authority();

  /// Issues a certificate for `common_name` signed by this CA and writes
  /// `<common_name>.pem` and `<common_name>.key`.
  expected<tls_files> issue(const std::string& common_name);

  /// Returns the path of the CA certificate.
  const std::string& certificate_path() const noexcept { return certificate_path_; }

 private:
  struct keys;
  test_certificate_authority() = default;

  std::string directory_;
  std::string certificate_path_;
  std::unique_ptr<keys> keys_;
  long next_serial_ = 2;
};

}  // namespace mensa::runtime::testing
