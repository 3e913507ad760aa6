#pragma once

#include <string>

#include "runtime/expected.hpp"

namespace mensa::runtime {

/// Checks, before anything listens or connects, that TLS between nodes can
/// work with these files: all three are given and readable, the
/// certificate and key are PEM and belong together, and the CA file holds
/// trusted certificates. CAF would otherwise abort the process at the first
/// connection; this turns that into a start-up error naming the file.
expected<void> check_tls_files(const std::string& certificate, const std::string& key,
                               const std::string& ca,
                               const std::string& key_passphrase);

}  // namespace mensa::runtime
