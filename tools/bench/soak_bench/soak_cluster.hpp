#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/testing/child_process.hpp"

namespace mensa::bench {

/// One mensa program of the soak (a master or an agent), which the nemesis
/// kills, stops and starts again on the same address and work directory.
class soak_process {
 public:
  /// `argv` starts it (a prefix such as `ip netns exec NAME` included);
  /// `ip` and `port` are where it listens.
  soak_process(std::string name, std::vector<std::string> argv, std::string ip,
               uint16_t port);

  /// Starts it (again) and waits until it listens; false if it did not.
  bool start();

  /// Kills it with SIGKILL and reaps it.
  void kill();

  /// Stops it with SIGSTOP / resumes it with SIGCONT.
  void stop();
  void resume();

  /// Returns whether it runs (it may have exited by itself: a master that
  /// lost its leadership steps down).
  bool alive();

  /// Returns whether it is stopped.
  bool stopped() const noexcept { return stopped_; }

  /// Returns its process id (0 when not running).
  pid_t pid() const noexcept { return child_ ? child_->pid() : 0; }

  /// Returns the most resident memory it has had in this run, in KiB.
  long peak_kib() const;

  const std::string& name() const noexcept { return name_; }
  const std::string& ip() const noexcept { return ip_; }
  uint16_t port() const noexcept { return port_; }

 private:
  std::string name_;
  std::vector<std::string> argv_;
  std::string ip_;
  uint16_t port_;
  std::optional<runtime::testing::child_process> child_;
  bool stopped_ = false;
};

/// Where the soak's agents live: each in a network namespace of its own,
/// joined by a veth link to a bridge that the masters, ZooKeeper and the
/// framework listen on, so that an agent can be cut off by taking its link
/// down; or, where namespaces cannot be made (not root), all on 127.0.0.1
/// with no cuts.
class soak_network {
 public:
  /// Sets up the network for `agents` agents.
  explicit soak_network(std::size_t agents);

  /// Removes the namespaces and links it made.
  ~soak_network();

  soak_network(const soak_network&) = delete;
  soak_network& operator=(const soak_network&) = delete;

  /// Returns whether agents have namespaces (and can be cut off).
  bool namespaces() const noexcept { return namespaces_; }

  /// Returns why not, when not.
  const std::string& why_not() const noexcept { return why_not_; }

  /// Returns the address the masters, ZooKeeper and the framework use.
  const std::string& host_ip() const noexcept { return host_ip_; }

  /// Returns agent `i`'s address.
  std::string agent_ip(std::size_t i) const;

  /// Returns what to put before a command to run it as agent `i`.
  std::vector<std::string> agent_prefix(std::size_t i) const;

  /// Cuts agent `i` off / connects it again; false if that failed.
  bool cut(std::size_t i);
  bool heal(std::size_t i);

 private:
  void remove();
  std::string link_of(std::size_t i) const;
  std::string namespace_of(std::size_t i) const;

  std::size_t agents_;
  bool namespaces_ = false;
  std::string why_not_;
  std::string tag_;
  std::string subnet_;
  std::string bridge_;
  std::string host_ip_ = "127.0.0.1";
};

/// Returns the processes whose parent is `pid`.
std::vector<pid_t> children_of(pid_t pid);

/// Returns the processes whose working directory is below `directory`.
std::vector<pid_t> working_in(const std::string& directory);

/// Returns a TCP port of `ip` that nothing listens on now (0 if none).
uint16_t free_port(const std::string& ip);

}  // namespace mensa::bench
