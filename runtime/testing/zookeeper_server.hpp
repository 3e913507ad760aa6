#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "runtime/expected.hpp"
#include "runtime/testing/child_process.hpp"

namespace mensa::runtime::testing {

/// A standalone ZooKeeper server started by a test: Debian's zookeeperd
/// (`java` running /usr/share/java/zookeeper.jar) on a free port of
/// 127.0.0.1, with its data in a directory of its own and a short tick
/// (500 ms), so that sessions may time out in 1 s. Destroying it kills it.
class zookeeper_server {
 public:
  /// Returns why a server cannot be started here, or an empty string if
  /// it can (java and the jar are installed).
  static std::string missing();

  /// Starts a server and waits up to `timeout` until it takes sessions.
  static expected<zookeeper_server> start(std::chrono::milliseconds timeout);

  /// Returns the one server of this process, started on first use and
  /// kept until the process ends (a JVM takes a second or two to start),
  /// or why there is none. Tests sharing it keep their znodes apart.
  static expected<zookeeper_server*> shared();

  /// Returns the servers part of a URL, `127.0.0.1:PORT`.
  std::string servers() const { return "127.0.0.1:" + std::to_string(port_); }

  /// Returns `zk://127.0.0.1:PORT` + `path`.
  std::string url(const std::string& path) const { return "zk://" + servers() + path; }

  /// Kills the server (what it keeps stays in its directory).
  void kill();

 private:
  zookeeper_server(child_process java, uint16_t port)
      : java_(std::move(java)), port_(port) {}

  child_process java_;
  uint16_t port_ = 0;
};

}  // namespace mensa::runtime::testing
