// Works around a bug in CAF 0.17's TLS layer.
//
// libcaf_openssl (src/openssl/session.cpp) asks SSL_get_error why an SSL call
// failed but never empties OpenSSL's per-thread error queue: the call that
// would drain it sits inside a log statement that Debian's build compiles
// out. An error one connection leaves behind (a peer failing its handshake,
// closing abruptly, or CAF closing a redundant second connection between two
// nodes) then makes the next SSL_read on *any* connection of the same
// multiplexer thread report SSL_ERROR_SSL, and CAF closes that healthy
// connection. OpenSSL wants the queue empty before every SSL I/O call
// (SSL_get_error(3)). The definitions below take precedence over libssl's
// for libcaf_openssl (the executable comes first in symbol lookup); each
// clears the queue, then calls libssl's own function.

#include "runtime/openssl_error_queue.hpp"

#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace {

std::atomic<unsigned long> cleared{0};

template <class Fn>
Fn libssl_function(const char* name) {
  auto fn = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
  if (fn == nullptr) {
    std::fprintf(stderr, "mensa: cannot find %s in libssl\n", name);
    std::abort();
  }
  return fn;
}

void clear_stale_errors() {
  if (ERR_peek_error() != 0) {
    cleared.fetch_add(1, std::memory_order_relaxed);
    ERR_clear_error();
  }
}

}  // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto real = libssl_function<int (*)(SSL*, void*, int)>("SSL_read");
  clear_stale_errors();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto real = libssl_function<int (*)(SSL*, const void*, int)>("SSL_write");
  clear_stale_errors();
  return real(ssl, buf, num);
}

int SSL_connect(SSL* ssl) {
  static auto real = libssl_function<int (*)(SSL*)>("SSL_connect");
  clear_stale_errors();
  return real(ssl);
}

int SSL_accept(SSL* ssl) {
  static auto real = libssl_function<int (*)(SSL*)>("SSL_accept");
  clear_stale_errors();
  return real(ssl);
}

}  // extern "C"

namespace mensa::runtime {

void require_openssl_error_queue_fix() {
  // Nothing to do at run time; referencing this file links the wrappers in.
}

unsigned long stale_openssl_errors_cleared() {
  return cleared.load(std::memory_order_relaxed);
}

}  // namespace mensa::runtime
