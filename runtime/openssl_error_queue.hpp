#pragma once

namespace mensa::runtime {

/// Makes sure the OpenSSL error-queue fix (openssl_error_queue.cpp) is
/// linked into the program; the node calls it when TLS is on.
void require_openssl_error_queue_fix();

/// Returns how many SSL I/O calls found a stale error in their thread's
/// queue and cleared it (each one a connection CAF would have closed).
unsigned long stale_openssl_errors_cleared();

}  // namespace mensa::runtime
