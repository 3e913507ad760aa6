#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"
#include "caf/send.hpp"
#include "caf/spawn_options.hpp"
#include "runtime/address.hpp"
#include "runtime/atoms.hpp"
#include "runtime/drop_reason.hpp"
#include "runtime/expected.hpp"
#include "runtime/http/router.hpp"
#include "runtime/message_filter.hpp"
#include "runtime/metrics.hpp"
#include "runtime/node_config.hpp"
#include "runtime/transport.hpp"

namespace mensa::runtime {

class process;

/// One CAF actor system with its networking, listening on one TCP port, and
/// the processes it hosts: the unit mensa deploys. A process usually hosts
/// one node; tests host several.
///
/// A node's processes are reachable as `name@ip:port`. Other nodes find
/// them through the node's directory, published on that port.
class node {
 public:
  /// Makes the transport of a node being started (the harness supplies an
  /// in-memory one); called once the actor system exists.
  using transport_factory = std::function<std::unique_ptr<runtime::transport>(node&)>;

  /// Starts a node: validates `cfg`, starts the actor system and listens on
  /// `cfg->ip:cfg->port`. Fails with a readable message, for example when
  /// the port is taken or a TLS file is unusable.
  static expected<std::unique_ptr<node>> start(std::unique_ptr<node_config> cfg,
                                               transport_factory make_transport = {});

  /// Stops every process and the actor system.
  ~node();

  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Returns the actor system.
  caf::actor_system& system() noexcept { return *system_; }

  /// Returns the configuration.
  const node_config& config() const noexcept { return *config_; }

  /// Returns `ip:port` as other nodes reach it.
  const std::string& endpoint() const noexcept { return endpoint_; }

  /// Returns where HTTP clients reach this node's port: `http://ip:port`,
  /// `https://` with TLS.
  std::string http_url() const {
    return (config_->tls_certificate.empty() ? "http://" : "https://") + endpoint_;
  }

  /// Returns the advertised IP address.
  const std::string& ip() const noexcept { return config_->advertised_ip(); }

  /// Returns the bound port.
  uint16_t port() const noexcept { return port_; }

  /// Returns whether `a` names a process on this node.
  bool is_local(const address& a) const noexcept { return a.endpoint() == endpoint_; }

  /// Returns the address `name` has on this node (validated).
  expected<address> address_of(std::string_view name) const;

  /// Spawns process type `P` as `name` on this node; `P`'s constructor
  /// takes `(caf::actor_config&, node&, address, xs...)`. Fails when the
  /// name is invalid or taken.
  template <class P, class... Ts>
  expected<address> spawn(std::string_view name, Ts&&... xs) {
    static_assert(std::is_base_of_v<process, P>);
    auto self = reserve(name);
    if (!self)
      return self;
    auto handle = system().spawn<P, caf::lazy_init>(std::ref(*this), *self,
                                                    std::forward<Ts>(xs)...);
    admit(self->name(), caf::actor_cast<caf::actor>(handle));
    return self;
  }

  /// Returns this node's lasting copy of `a`, the address of one of its
  /// processes: valid as long as the node (envelopes point to it).
  const address* intern(const address& a);

  /// Returns the process called `name` on this node, or an invalid handle.
  caf::actor find(std::string_view name) const;

  /// Asks every process to exit. Real nodes wait in the destructor; in the
  /// harness the test runs them to their end.
  void stop_processes();

  /// Blocks until every process has exited (real nodes only).
  void await_processes();

  /// Returns the transport to other nodes.
  runtime::transport& transport() noexcept { return *transport_; }

  /// Returns the node's metrics.
  metrics_registry& metrics() noexcept { return metrics_; }

  /// Returns the node's HTTP routes, served on its port (processes add
  /// theirs with `process::route`).
  http::router& http_routes() noexcept { return *routes_; }

  /// The runtime's own metrics besides drops, updated by processes.
  struct runtime_metrics {
    /// Processes running on this node.
    gauge& processes;
    /// Addresses resolved to a process on another node.
    counter& remote_resolutions;
    /// Addresses that could not be resolved.
    counter& failed_resolutions;
    /// Links whose peer exited, lost its connection or was unreachable.
    counter& peer_exits;
  };

  /// Returns the runtime's own metrics.
  runtime_metrics& runtime_counters() noexcept { return runtime_metrics_; }

  /// Returns the counter of messages dropped for `reason`.
  counter& dropped(drop_reason reason) noexcept {
    return *dropped_[static_cast<std::size_t>(reason)];
  }

  /// Installs the test hook that sees every delivery; set it before
  /// spawning processes.
  void set_filter(std::shared_ptr<message_filter> filter) {
    filter_ = std::move(filter);
  }

  /// Returns the message filter, or null.
  message_filter* filter() const noexcept { return filter_.get(); }

  /// Returns a seed for a process's random numbers: when simulated, fixed by
  /// the node's seed, the name and how many processes the node spawned
  /// before (so a process started again draws anew, the same in every run);
  /// fresh otherwise.
  uint64_t seed_for(std::string_view name) const;

  /// Converts a time of the runtime clock to wall-clock time. When
  /// simulated, time starts at 2026-01-01T00:00:00Z.
  std::chrono::system_clock::time_point wall_time(caf::actor_clock::time_point t) const;

 private:
  explicit node(std::unique_ptr<node_config> cfg);

  expected<address> reserve(std::string_view name);
  void admit(std::string_view name, caf::actor handle);

  friend class process;
  void forget(std::string_view name, caf::actor_id id);

  metrics_registry metrics_;
  std::array<counter*, drop_reason_count> dropped_{};
  runtime_metrics runtime_metrics_;
  std::unique_ptr<node_config> config_;
  // Shared with the port's connections, which may outlive the node briefly.
  std::shared_ptr<http::router> routes_ = std::make_shared<http::router>();
  std::unique_ptr<caf::actor_system> system_;
  std::unique_ptr<runtime::transport> transport_;
  std::shared_ptr<message_filter> filter_;
  caf::actor directory_;
  std::string endpoint_;
  uint16_t port_ = 0;
  caf::actor_clock::time_point clock_start_;
  uint64_t fresh_seed_;
  mutable std::atomic<uint64_t> spawned_{0};
  mutable std::mutex mutex_;
  std::unordered_map<std::string, caf::actor> processes_;
  std::unordered_map<std::string, std::unique_ptr<const address>> interned_;
};

}  // namespace mensa::runtime
