#pragma once

#include <google/protobuf/message.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include "caf/actor.hpp"
#include "caf/actor_addr.hpp"
#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/event_based_actor.hpp"
#include "runtime/address.hpp"
#include "runtime/drop_reason.hpp"
#include "runtime/envelope.hpp"
#include "runtime/flow_control.hpp"
#include "runtime/handler_table.hpp"
#include "runtime/http/router.hpp"
#include "runtime/log.hpp"
#include "runtime/splitmix64.hpp"
#include "runtime/time.hpp"
#include "runtime/timer.hpp"
#include "runtime/weak_process.hpp"

namespace mensa::runtime {

class node;
class metrics_registry;

/// Why a linked peer is gone.
enum class exit_kind {
  /// The process terminated.
  exited,
  /// Its node disconnected, was killed, or stopped answering heartbeats.
  connection_lost,
  /// It could not be reached: no node answers at its endpoint, or the node
  /// has no process of that name.
  unreachable,
};

/// The `exited` event: what happened, and details for the log.
struct peer_exit {
  exit_kind kind;
  std::string detail;
};

/// Returns "exited", "connection lost" or "unreachable".
const char* to_string(exit_kind kind);

/// What a node hands a process it spawns (CAF's actor configuration),
/// passed on to `process`'s constructor.
using process_config = caf::actor_config;

/// The base of every mensa actor, what a libprocess `Process` was to Mesos:
/// it has an address (`name@host:port`), a table of protobuf message
/// handlers, sends to addresses wherever they are, learns of linked peers'
/// exits through one `exited` callback, and keeps timers on the runtime
/// clock (simulated in the harness).
///
/// A derived class installs its handlers in `on_start()`. Its state is
/// touched only by its own handlers, timers and callbacks, never by another
/// thread. Spawn processes through `node::spawn`.
class process : public caf::event_based_actor {
 public:
  /// The address type; hides CAF's `abstract_actor::address()` so derived
  /// processes can name it plainly.
  using address = runtime::address;

  /// Called by `node::spawn`; derived constructors pass these through.
  process(caf::actor_config& cfg, runtime::node& owner, address self);

  ~process() override;

  /// Returns this process's address.
  const address& self_address() const noexcept { return *self_; }

  /// Returns the node this process runs on.
  runtime::node& local_node() const noexcept { return node_; }

  /// Returns the address text (CAF uses it in its own logs).
  const char* name() const override;

  /// Sets up the runtime's handlers, then calls `on_start()`.
  caf::behavior make_behavior() final;

  /// Unregisters from the node and calls `on_stop()`.
  void on_exit() final;

 protected:
  /// Called once before the first message; install handlers here.
  virtual void on_start() {}

  /// Called once when the process terminates.
  virtual void on_stop() {}

  /// Called when a peer this process linked to exits, loses its connection
  /// or cannot be reached. The link is gone afterwards. Never called from
  /// inside another handler of this process (a `link` that fails at once
  /// reports it after the handler that linked), and not at all when the
  /// address has a live process again by then.
  virtual void exited(const address& peer, const peer_exit& why);

  // -- handlers ---------------------------------------------------------------

  /// Installs a member function as the handler for messages of type `M`.
  template <class Derived, class M>
  void install(void (Derived::*fn)(const address& from, const M& msg)) {
    static_assert(std::is_base_of_v<process, Derived>);
    auto* self = static_cast<Derived*>(this);
    install<M>(
        [self, fn](const address& from, const M& msg) { (self->*fn)(from, msg); });
  }

  /// Installs `fn(const address& from, const M& msg)` for messages of type
  /// `M`.
  template <class M, class F>
  void install(F fn) {
    static_assert(std::is_base_of_v<google::protobuf::Message, M>);
    handlers_.install(
        M::default_instance(),
        [fn = std::move(fn)](const address& from, const google::protobuf::Message& m) {
          fn(from, static_cast<const M&>(m));
        });
  }

  // -- HTTP -------------------------------------------------------------------

  /// Serves HTTP requests for `path` on the node's port with a member
  /// function, run inside this process like a message handler; it answers
  /// through the responder, at once or later. See `http::router::add` for
  /// paths; the route goes when the process does.
  template <class Derived>
  void route(std::string path, void (Derived::*fn)(const http::request& request,
                                                   const http::responder& out)) {
    static_assert(std::is_base_of_v<process, Derived>);
    add_route(std::move(path), [fn](process& p, const http::request& request,
                                    const http::responder& out) {
      (static_cast<Derived&>(p).*fn)(request, out);
    });
  }

  // -- messaging --------------------------------------------------------------

  /// Sends `msg` to `to`. Within this OS process the message is shared, not
  /// copied; across OS processes it is serialized once. Messages to one
  /// peer arrive in the order sent. A message to an address that cannot be
  /// reached is dropped and counted (link to learn about it).
  template <class M, class = std::enable_if_t<
                         std::is_base_of_v<google::protobuf::Message, std::decay_t<M>>>>
  void send(const address& to, M&& msg) {
    send(to, std::make_shared<const std::decay_t<M>>(std::forward<M>(msg)));
  }

  /// Sends a message that is already shared (forwarding without a copy).
  void send(const address& to, message_ptr msg);

  /// Sends a message that is already serialized, as `type` (full protobuf
  /// name) and bytes; the receiver parses it. For forwarding what arrived
  /// in serialized form (and for tests that send what a broken peer would).
  void send_serialized(const address& to, std::string type, std::string payload);

  /// Sends `msg` to the sender of the message being handled.
  template <class M>
  void reply(M&& msg) {
    send(sender(), std::forward<M>(msg));
  }

  /// Returns the sender of the message being handled (empty outside
  /// handlers).
  const address& sender() const noexcept;

  /// Returns the message being handled, to keep or forward it (null
  /// outside handlers).
  const message_ptr& current_message() const noexcept { return current_; }

  /// Returns the message being handled, as an `M` the handler may take
  /// parts of (moving them out instead of copying), when this process holds
  /// the only reference to it and forwards nothing; null otherwise, and
  /// then the handler copies what it keeps. A handler that took parts must
  /// not forward the message after.
  template <class M>
  M* unshared_message() noexcept {
    if (!current_ || current_.use_count() != 1 || forward_count_ > 0 ||
        current_->GetDescriptor() != M::descriptor())
      return nullptr;
    // Messages are made mutable and shared as const: this one no one else sees.
    return static_cast<M*>(const_cast<google::protobuf::Message*>(current_.get()));
  }

  /// Sends the message being handled on to `to` once the handler returns,
  /// sharing it without a copy (as `send(to, current_message())`, but
  /// cheaper: the last destination takes this process's reference).
  void forward(const address& to);

  // -- flow control -----------------------------------------------------------

  /// Sends `msg` on the flow-controlled stream to `to` if fewer than the
  /// node's `flow_window` messages on it are unacknowledged; otherwise sends
  /// nothing and returns false (see `when_window_open`).
  template <class M, class = std::enable_if_t<
                         std::is_base_of_v<google::protobuf::Message, std::decay_t<M>>>>
  bool send_windowed(const address& to, M&& msg) {
    if (!window_open(to))
      return false;
    return send_windowed(to,
                         std::make_shared<const std::decay_t<M>>(std::forward<M>(msg)));
  }

  /// Like the above for a message that is already shared.
  bool send_windowed(const address& to, message_ptr msg);

  /// Returns whether `send_windowed` to `to` would send now.
  bool window_open(const address& to) const;

  /// Calls `fn` once when the stream to `to` has room (at once if it has).
  /// Callbacks are dropped if the peer exits.
  void when_window_open(const address& to, std::function<void()> fn);

  /// Returns how many windowed messages to `to` await acknowledgement.
  std::size_t unacknowledged(const address& to) const;

  // -- failure detection ------------------------------------------------------

  /// Watches `peer`: its exit, the loss of its node's connection, or its
  /// being unreachable calls `exited` once.
  void link(const address& peer);

  /// Stops watching `peer`.
  void unlink(const address& peer);

  // -- time -------------------------------------------------------------------

  /// Calls `fn` once the messages already queued for this process are
  /// handled: after the handler that calls it, never inside it.
  void defer(std::function<void()> fn);

  /// Returns the time on the runtime clock (simulated in the harness).
  time_point now() const;

  /// Calls `fn` after `d` on the runtime clock. Returns an id for `cancel`.
  timer_id delay(duration d, std::function<void()> fn);

  /// Calls `fn` after `d`, unless the returned timer is cancelled or
  /// destroyed first (see `timer`).
  timer start_timer(duration d, std::function<void()> fn);

  /// Cancels a timer; returns whether it was still pending.
  bool cancel(timer_id id);

  friend class timer;

  /// What `route` installs: a handler run inside the process.
  using route_handler =
      std::function<void(process&, const http::request&, const http::responder&)>;

  /// Routes `path` to `fn`, run inside this process.
  void add_route(std::string path, route_handler fn);

  /// Returns a handle that reaches this process from anywhere without
  /// keeping it alive (see `weak_process`).
  weak_process weak_self();

  /// Returns the wall-clock time (simulated in the harness).
  std::chrono::system_clock::time_point wall_now() const;

  /// Returns the wall-clock time in seconds since the epoch, the unit of a
  /// TaskStatus's timestamp.
  double wall_seconds() const;

  // -- utilities --------------------------------------------------------------

  /// Returns a random number; deterministic per seed in the harness.
  uint64_t random() { return random_(); }

  /// Returns the node's metrics.
  metrics_registry& metrics() const;

  /// Writes a log line tagged with this process's address.
  void log(log_level level, std::string_view message) const;

 private:
  struct peer_state {
    caf::actor handle;
    // Whether the peer lives on another node: its messages are batched.
    bool remote = false;
    bool resolving = false;
    bool linked = false;
    std::vector<envelope> pending;
    std::vector<envelope> outbox;
    // What the outbox will take on the wire (envelope::wire_size).
    std::size_t outbox_bytes = 0;
    std::unique_ptr<flow_sender> outbound;
  };

  void receive(envelope& e);
  /// Handles `e`; `adopt`: its CAF sender is the connection it came over.
  void handle(envelope& e, bool adopt = true);
  void route(const address& to, envelope e);
  void deliver(const address& to, peer_state& state, envelope e);
  void flush_outboxes();
  void flush_outbox(peer_state& state);
  void resolve(const address& to);
  void finish_resolve(const address& to, expected<caf::actor> result);
  void attach(const address& to, peer_state& state, caf::actor handle);
  void adopt_sender(const address& from);
  void on_peer_down(const caf::down_msg& msg);
  /// Returns how many times the process at `peer` ended or lost its
  /// connection, as this process saw it.
  uint64_t ends_of(const address& peer) const;
  void forget_peer(const address& peer, const peer_exit& why, bool later = false);
  void on_flow_ack(const address& from, const google::protobuf::Message& ack);
  void wake_at(caf::actor_clock::time_point at);
  void fire_due_timers(caf::actor_clock::time_point::rep woken_for);
  void drop(drop_reason reason, const envelope& e, std::string_view detail);
  peer_state& peer(const address& to);

  runtime::node& node_;
  const address* self_;
  handler_table handlers_;
  std::unordered_map<address, peer_state> peers_;
  // The peer routed to last (an element of peers_, reset when erased): runs
  // of messages to one peer skip the table.
  std::pair<const address, peer_state>* last_peer_ = nullptr;
  std::unordered_multimap<caf::actor_addr, address> peer_by_actor_;
  /// How many times the process at each address ended or lost its
  /// connection, as this process saw it.
  std::unordered_map<address, uint64_t> ends_;
  // Envelopes per batch at most; a fuller outbox is sent at once.
  static constexpr std::size_t max_batch = 512;

  std::vector<address> unflushed_;
  bool flush_pending_ = false;
  // Timers live here, not in CAF's clock: one scheduled message per
  // process stands for the earliest deadline, so starting and cancelling a
  // timer (a status update's retry, say, mostly cancelled) costs no
  // message and no wake-up of the clock thread.
  struct pending_timer {
    caf::actor_clock::time_point at;
    std::function<void()> fn;
  };
  std::unordered_map<timer_id, pending_timer> timers_;
  std::set<std::pair<caf::actor_clock::time_point, timer_id>> deadlines_;
  // Deadlines a scheduled message is on its way for.
  std::multiset<caf::actor_clock::time_point> wake_ups_;
  timer_id next_timer_ = 0;
  const address* sender_ = nullptr;
  message_ptr current_;
  // Destinations of `forward`; slots are reused so that the address texts
  // keep their storage from message to message.
  std::vector<address> forwards_;
  std::size_t forward_count_ = 0;
  // The handler used last, to skip the table lookup for runs of one type.
  const std::type_info* last_class_ = nullptr;
  const handler_table::entry* last_entry_ = nullptr;
  splitmix64 random_;
  log_throttle drop_logs_[drop_reason_count];
};

}  // namespace mensa::runtime
