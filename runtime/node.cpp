#include "runtime/node.hpp"

#include <sys/resource.h>

#include <csignal>
#include <random>

#include "caf/event_based_actor.hpp"
#include "caf/io/middleman.hpp"
#include "runtime/envelope.hpp"
#include "runtime/envelope_batch.hpp"
#include "runtime/log.hpp"
#include "runtime/network_transport.hpp"
#include "runtime/http/node_endpoints.hpp"
#include "runtime/port/port_guard.hpp"
#include "runtime/port/tls_session.hpp"
#include "runtime/process.hpp"
#include "runtime/scheduler_defaults.hpp"
#include "runtime/splitmix64.hpp"

namespace mensa::runtime {

namespace {

// 2026-01-01T00:00:00Z, where simulated wall-clock time begins.
constexpr std::chrono::seconds simulated_epoch{1767225600};

// Spreads nearby seeds over the whole range.
uint64_t mix(uint64_t x) {
  return splitmix64(x)();
}

// Answers other nodes' lookups of this node's processes by name.
caf::behavior directory(caf::event_based_actor*, node* owner) {
  return {
      [owner](lookup_atom, const std::string& name) -> caf::actor {
        return owner->find(name);
      },
  };
}

void configure_actor_system(node_config& cfg) {
  cfg.add_message_type<envelope>("mensa.envelope");
  cfg.add_message_type<envelope_batch>("mensa.envelope_batch");
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  if (cfg.simulated) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    return;
  }
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval", cfg.heartbeat_interval);
  cfg.set("middleman.connection-timeout", cfg.heartbeat_timeout);
  // Handles learned through a third node must not open connections of
  // their own on every interface (see shared/notes/caf-0.17.md, Q3e).
  cfg.set("middleman.enable-automatic-connections", false);
  apply_scheduler_defaults(cfg, cfg.worker_threads);
}

// A node holds a descriptor per connection: it may use as many as the
// process is allowed (the soft limit is often far below the hard one).
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// The sockets of a real node: plaintext or TLS, behind the port's guards.
expected<std::unique_ptr<transport>> make_network_transport(
    node_config& cfg, caf::actor_system& sys, metrics_registry& metrics,
    std::shared_ptr<const http::router> routes) {
  std::shared_ptr<port::tls_context> tls;
  if (cfg.tls_enabled()) {
    auto loaded = port::tls_context::load(cfg.tls_certificate, cfg.tls_key, cfg.tls_ca,
                                          cfg.tls_key_passphrase);
    if (!loaded)
      return loaded.error();
    tls = std::move(*loaded);
  }
  port::port_limits limits;
  limits.max_message_size = cfg.max_message_size;
  limits.handshake_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(cfg.handshake_timeout);
  limits.max_unidentified = cfg.max_unidentified_connections;
  auto guard = std::make_shared<port::port_guard>(limits, metrics, std::move(tls),
                                                  std::move(routes));
  return std::unique_ptr<transport>(
      std::make_unique<network_transport>(sys, std::move(guard), cfg.resolve_timeout));
}

}  // namespace

node::node(std::unique_ptr<node_config> cfg)
    : runtime_metrics_{metrics_.gauge("runtime/processes",
                                      "processes running on this node"),
                       metrics_.counter(
                           "runtime/remote_resolutions",
                           "addresses resolved to a process on another node"),
                       metrics_.counter("runtime/failed_resolutions",
                                        "addresses that could not be resolved"),
                       metrics_.counter(
                           "runtime/peer_exits",
                           "linked peers that exited, lost their connection or were "
                           "unreachable")},
      config_(std::move(cfg)),
      fresh_seed_((static_cast<uint64_t>(std::random_device{}()) << 32) ^
                  std::random_device{}()) {
  for (std::size_t i = 0; i < drop_reason_count; ++i) {
    auto reason = static_cast<drop_reason>(i);
    dropped_[i] =
        &metrics_.counter(std::string("runtime/messages_dropped/") + to_string(reason),
                          "messages dropped by the runtime instead of being handled");
  }
}

expected<std::unique_ptr<node>> node::start(std::unique_ptr<node_config> cfg,
                                            transport_factory make_transport) {
  if (auto ok = cfg->validate(); !ok)
    return ok.error();
  set_log_level(*parse_log_level(cfg->logging_level));
  // Writes to a closed socket must fail, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  configure_actor_system(*cfg);
  std::unique_ptr<node> result(new node(std::move(cfg)));
  auto& self = *result;
  self.system_ = std::make_unique<caf::actor_system>(*self.config_);
  if (self.config_->simulated)
    self.system_->await_actors_before_shutdown(false);
  self.clock_start_ = self.system_->clock().now();
  if (make_transport) {
    self.transport_ = make_transport(self);
  } else {
    raise_descriptor_limit();
    auto made = make_network_transport(*self.config_, *self.system_, self.metrics_,
                                       self.routes_);
    if (!made)
      return made.error();
    self.transport_ = std::move(*made);
  }
  http::add_node_endpoints(*self.routes_, self.metrics_);
  self.directory_ = self.system_->spawn(directory, &self);
  auto port =
      self.transport_->listen(self.directory_, self.config_->ip, self.config_->port);
  if (!port)
    return port.error();
  self.port_ = *port;
  self.endpoint_ = make_endpoint(self.config_->advertised_ip(), self.port_);
  return result;
}

node::~node() {
  if (!system_)
    return;
  stop_processes();
  if (directory_) {
    caf::anon_send_exit(directory_, caf::exit_reason::user_shutdown);
    directory_ = nullptr;
  }
  if (!config_->simulated)
    await_processes();
  transport_.reset();
  system_.reset();
}

expected<address> node::address_of(std::string_view name) const {
  return address::make(name, config_->advertised_ip(), port_);
}

expected<address> node::reserve(std::string_view name) {
  auto self = address_of(name);
  if (!self)
    return self;
  std::lock_guard<std::mutex> guard(mutex_);
  auto [slot, added] = processes_.try_emplace(std::string(name));
  if (!added)
    return failure{"a process named '" + std::string(name) + "' already runs on node " +
                   endpoint_};
  return self;
}

void node::admit(std::string_view name, caf::actor handle) {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    processes_[std::string(name)] = handle;
  }
  runtime_metrics_.processes.add(1);
  // Spawned lazily: the process starts only now that others can find it.
  caf::anon_send(handle, start_atom::value);
}

void node::forget(std::string_view name, caf::actor_id id) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto i = processes_.find(std::string(name));
  if (i != processes_.end() && i->second && i->second.id() == id) {
    processes_.erase(i);
    runtime_metrics_.processes.add(-1);
  }
}

const address* node::intern(const address& a) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto& slot = interned_[a.str()];
  if (!slot)
    slot = std::make_unique<const address>(a);
  return slot.get();
}

caf::actor node::find(std::string_view name) const {
  std::lock_guard<std::mutex> guard(mutex_);
  auto i = processes_.find(std::string(name));
  return i == processes_.end() ? caf::actor{} : i->second;
}

void node::stop_processes() {
  std::vector<caf::actor> running;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    for (auto& [name, handle] : processes_)
      if (handle)
        running.push_back(handle);
  }
  for (auto& handle : running)
    caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
}

void node::await_processes() {
  system_->await_all_actors_done();
}

uint64_t node::seed_for(std::string_view name) const {
  // Fresh: a counter mixed with a seed drawn once (a random_device per
  // spawn cost more than the rest of spawning a process).
  if (!config_->simulated)
    return mix(fresh_seed_ ^ mix(spawned_.fetch_add(1, std::memory_order_relaxed)));
  // Each process spawned gets its own: a master restarted on the same
  // node must not draw the same ID as the one before it (its agents' IDs
  // would collide with those the registry kept).
  return mix(config_->seed ^ mix(std::hash<std::string_view>{}(name)) ^
             mix(std::hash<std::string>{}(endpoint_)) ^
             mix(spawned_.fetch_add(1, std::memory_order_relaxed)));
}

std::chrono::system_clock::time_point node::wall_time(
    caf::actor_clock::time_point t) const {
  using std::chrono::duration_cast;
  using std::chrono::system_clock;
  if (config_->simulated)
    return system_clock::time_point(
        duration_cast<system_clock::duration>(simulated_epoch + (t - clock_start_)));
  return system_clock::now() +
         duration_cast<system_clock::duration>(t - system_->clock().now());
}

}  // namespace mensa::runtime
