#include "runtime/process.hpp"

#include <google/protobuf/descriptor.h>

#include "mensa/internal/runtime.pb.h"
#include "runtime/atoms.hpp"
#include "runtime/envelope_batch.hpp"
#include "runtime/node.hpp"

namespace mensa::runtime {

namespace {

const address no_sender;

}  // namespace

const char* to_string(exit_kind kind) {
  switch (kind) {
    case exit_kind::exited:
      return "exited";
    case exit_kind::connection_lost:
      return "connection lost";
    case exit_kind::unreachable:
      return "unreachable";
  }
  return "unknown";
}

process::process(caf::actor_config& cfg, runtime::node& owner, address self)
    : caf::event_based_actor(cfg),
      node_(owner),
      self_(owner.intern(self)),
      random_(owner.seed_for(self_->name())) {
  // nop
}

process::~process() = default;

const char* process::name() const {
  return self_->str().c_str();
}

caf::behavior process::make_behavior() {
  set_down_handler([this](caf::down_msg& msg) { on_peer_down(msg); });
  set_default_handler(
      [this](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
        node_.dropped(drop_reason::unexpected).increment();
        auto& throttle = drop_logs_[static_cast<std::size_t>(drop_reason::unexpected)];
        if (throttle.admit())
          log(log_level::warning, "dropped a CAF message that is not an envelope");
        return caf::sec::unexpected_message;
      });
  handlers_.install(internal::FlowAck::default_instance(),
                    [this](const address& from, const google::protobuf::Message& m) {
                      on_flow_ack(from, m);
                    });
  on_start();
  return {
      [this](envelope& e) { receive(e); },
      [this](envelope_batch& batch) {
        for (auto& e : batch.envelopes)
          receive(e);
      },
      [this](flush_atom) { flush_outboxes(); },
      // A message a filter delayed or held comes back from this process or
      // the harness, not over its sender's connection: nothing to adopt.
      [this](deliver_atom, envelope& e) { handle(e, false); },
      // A message a filter delayed, with how many ends of its sender this
      // process had seen: dropped if its sender ended meanwhile, as a
      // connection delivers what a process sent before it tells of its end.
      [this](deliver_atom, envelope& e, uint64_t sender_ends) {
        if (ends_of(e.from()) != sender_ends)
          drop(drop_reason::stale_sender, e, "its sender had ended since");
        else
          handle(e, false);
      },
      [this](timer_atom, caf::actor_clock::time_point::rep woken_for) {
        fire_due_timers(woken_for);
      },
      [this](dispatch_atom, const dispatch_call& call) { call.fn(*this); },
      [](start_atom) {
        // Spawned lazily: this message only starts the process.
      },
  };
}

void process::add_route(std::string path, route_handler fn) {
  auto self = weak_self();
  node_.http_routes().add(
      std::move(path),
      [self, fn = std::make_shared<route_handler>(std::move(fn))](
          http::request&& request, const http::responder& out) {
        auto shared = std::make_shared<const http::request>(std::move(request));
        auto lived = self.dispatch<process>(
            [fn, shared, out](process& p) { (*fn)(p, *shared, out); });
        if (!lived)
          out.respond(
              http::response::error(503, "the endpoint's process has stopped\n"));
      },
      this);
}

void process::on_exit() {
  node_.http_routes().remove_owned_by(this);
  node_.forget(self_->name(), id());
  on_stop();
  flush_outboxes();
  last_peer_ = nullptr;
  peers_.clear();
  peer_by_actor_.clear();
  timers_.clear();
  deadlines_.clear();
  wake_ups_.clear();
}

void process::exited(const address& peer, const peer_exit& why) {
  log(log_level::info,
      "peer " + peer.str() + " " + to_string(why.kind) + ": " + why.detail);
}

// -- receiving ----------------------------------------------------------------

void process::receive(envelope& e) {
  if (auto* filter = node_.filter()) {
    auto verdict = filter->on_delivery(e, *self_, caf::actor_cast<caf::actor>(this));
    switch (verdict.what) {
      case filter_verdict::action::pass:
        break;
      case filter_verdict::action::drop:
        node_.dropped(drop_reason::filtered).increment();
        return;
      case filter_verdict::action::delay:
        delayed_send(caf::actor_cast<caf::actor>(this), verdict.delay,
                     deliver_atom::value, e, ends_of(e.from()));
        return;
      case filter_verdict::action::hold:
        return;
      case filter_verdict::action::duplicate:
        delayed_send(caf::actor_cast<caf::actor>(this), verdict.delay,
                     deliver_atom::value, e, ends_of(e.from()));
        break;
    }
  }
  handle(e);
}

void process::handle(envelope& e, bool adopt) {
  const handler_table::entry* entry = nullptr;
  if (!e.is_wire()) {
    if (!e.message()) {
      drop(drop_reason::unexpected, e, "the envelope is empty");
      return;
    }
    // A run of messages of one class skips the table (and GetDescriptor).
    auto* cls = &typeid(*e.message());
    if (cls == last_class_) {
      entry = last_entry_;
    } else {
      entry = handlers_.find(e.message()->GetDescriptor());
      if (!entry) {
        drop(drop_reason::unhandled, e, "no handler for this type");
        return;
      }
      last_class_ = cls;
      last_entry_ = entry;
    }
    current_ = e.take_message();
  } else {
    if (e.from().empty()) {
      drop(drop_reason::malformed_sender, e, "the sender is not a valid address");
      return;
    }
    auto limit = node_.config().max_message_size;
    if (e.payload().size() > limit) {
      drop(drop_reason::oversize, e,
           std::to_string(e.payload().size()) + " bytes exceed the limit of " +
               std::to_string(limit));
      return;
    }
    entry = handlers_.find(e.type_name());
    if (!entry) {
      auto* pool = google::protobuf::DescriptorPool::generated_pool();
      if (pool->FindMessageTypeByName(std::string(e.type_name())) == nullptr)
        drop(drop_reason::unknown_type, e, "this program does not know the type");
      else
        drop(drop_reason::unhandled, e, "no handler for this type");
      return;
    }
    std::unique_ptr<google::protobuf::Message> decoded(entry->prototype->New());
    if (!decoded->ParseFromString(e.payload())) {
      drop(drop_reason::parse_error, e, "the payload does not parse");
      return;
    }
    current_ = std::move(decoded);
    if (adopt)
      adopt_sender(e.from());
  }
  sender_ = &e.from();
  entry->fn(e.from(), *current_);
  sender_ = nullptr;
  if (forward_count_ > 0) {
    for (std::size_t i = 0; i + 1 < forward_count_; ++i)
      send(forwards_[i], current_);
    send(forwards_[forward_count_ - 1], std::move(current_));
    forward_count_ = 0;
  }
  current_.reset();
  if (e.flow().ack_requested) {
    internal::FlowAck ack;
    ack.set_stream(e.flow().stream);
    ack.set_sequence(e.flow().sequence);
    send(e.from(), std::move(ack));
  }
}

void process::forward(const address& to) {
  if (forward_count_ < forwards_.size())
    forwards_[forward_count_] = to;
  else
    forwards_.push_back(to);
  ++forward_count_;
}

void process::drop(drop_reason reason, const envelope& e, std::string_view detail) {
  node_.dropped(reason).increment();
  auto& throttle = drop_logs_[static_cast<std::size_t>(reason)];
  if (throttle.admit())
    log(log_level::warning, "dropped " + e.describe() + ": " + std::string(detail) +
                                " (" + std::to_string(throttle.seen()) + " so far)");
}

const address& process::sender() const noexcept {
  return sender_ ? *sender_ : no_sender;
}

// -- sending ------------------------------------------------------------------

void process::send(const address& to, message_ptr msg) {
  if (!msg)
    return;
  route(to, envelope(self_, std::move(msg)));
}

void process::send_serialized(const address& to, std::string type,
                              std::string payload) {
  route(to, envelope::from_wire(self_->str(), std::move(type), std::move(payload), {}));
}

process::peer_state& process::peer(const address& to) {
  return peers_[to];
}

void process::route(const address& to, envelope e) {
  if (last_peer_ != nullptr && last_peer_->first == to && last_peer_->second.handle) {
    deliver(to, last_peer_->second, std::move(e));
    return;
  }
  auto i = peers_.find(to);
  if (i != peers_.end() && i->second.handle) {
    last_peer_ = &*i;
    deliver(to, i->second, std::move(e));
    return;
  }
  if (to.empty()) {
    drop(drop_reason::unroutable, e, "the destination address is empty");
    return;
  }
  auto& state = i != peers_.end() ? i->second : peers_[to];
  state.pending.push_back(std::move(e));
  if (!state.resolving)
    resolve(to);
}

void process::deliver(const address& to, peer_state& state, envelope e) {
  if (!state.remote) {
    caf::event_based_actor::send(state.handle, std::move(e));
    return;
  }
  // The receiving port takes frames of at most its --max_message_size
  // (plus framing): a message over this node's limit would be dropped there
  // anyway, and a batch is flushed before it grows past the limit.
  auto bytes = e.wire_size();
  auto limit = node_.config().max_message_size;
  if (auto payload = e.payload_size(); payload > limit) {
    drop(drop_reason::oversize, e,
         std::to_string(payload) + " bytes exceed the limit of " +
             std::to_string(limit) + " (--max_message_size)");
    return;
  }
  if (!state.outbox.empty() && state.outbox_bytes + bytes > limit)
    flush_outbox(state);
  // Toward another node, envelopes wait in the peer's outbox until this
  // burst of the mailbox is handled: the flush message queues up behind it.
  if (state.outbox.empty())
    unflushed_.push_back(to);
  state.outbox.push_back(std::move(e));
  state.outbox_bytes += bytes;
  if (state.outbox.size() >= max_batch)
    flush_outbox(state);
  if (!flush_pending_) {
    flush_pending_ = true;
    caf::event_based_actor::send(caf::actor_cast<caf::actor>(this), flush_atom::value);
  }
}

void process::flush_outbox(peer_state& state) {
  if (state.outbox.size() == 1) {
    caf::event_based_actor::send(state.handle, std::move(state.outbox.front()));
  } else if (!state.outbox.empty()) {
    caf::event_based_actor::send(state.handle, envelope_batch{std::move(state.outbox)});
  }
  state.outbox.clear();
  state.outbox_bytes = 0;
}

void process::flush_outboxes() {
  flush_pending_ = false;
  auto unflushed = std::move(unflushed_);
  unflushed_.clear();
  for (auto& to : unflushed) {
    auto i = peers_.find(to);
    if (i != peers_.end() && i->second.handle)
      flush_outbox(i->second);
  }
}

void process::resolve(const address& to) {
  peers_[to].resolving = true;
  if (to == *self_) {
    finish_resolve(to, caf::actor_cast<caf::actor>(this));
    return;
  }
  if (node_.is_local(to)) {
    if (auto handle = node_.find(to.name()))
      finish_resolve(to, std::move(handle));
    else
      finish_resolve(to, failure{"no process named '" + std::string(to.name()) +
                                 "' runs on node " + node_.endpoint()});
    return;
  }
  node_.transport().resolve(this, to, [this, to](expected<caf::actor> result) {
    finish_resolve(to, std::move(result));
  });
}

void process::finish_resolve(const address& to, expected<caf::actor> result) {
  auto i = peers_.find(to);
  if (i == peers_.end())
    return;
  auto& state = i->second;
  state.resolving = false;
  if (!result) {
    node_.runtime_counters().failed_resolutions.increment();
    if (auto n = state.pending.size(); n > 0) {
      node_.dropped(drop_reason::unroutable).increment(n);
      auto& throttle = drop_logs_[static_cast<std::size_t>(drop_reason::unroutable)];
      if (throttle.admit())
        log(log_level::warning, "dropped " + std::to_string(n) + " message(s) to " +
                                    to.str() + ": " + result.error().message);
    }
    // Resolving can fail at once, inside the handler that linked: the news
    // comes after it.
    forget_peer(to, peer_exit{exit_kind::unreachable, result.error().message}, true);
    return;
  }
  if (!state.handle && !node_.is_local(to))
    node_.runtime_counters().remote_resolutions.increment();
  attach(to, state, std::move(*result));
}

void process::attach(const address& to, peer_state& state, caf::actor handle) {
  if (!state.handle) {
    state.handle = std::move(handle);
    state.remote = !node_.is_local(to);
    if (to != *self_) {
      monitor(state.handle);
      peer_by_actor_.emplace(state.handle.address(), to);
    }
  }
  auto pending = std::move(state.pending);
  state.pending.clear();
  for (auto& e : pending)
    deliver(to, state, std::move(e));
}

void process::adopt_sender(const address& from) {
  // Answers go back the way the message came: over the sender's existing
  // connection, instead of resolving its address and dialing its node anew.
  auto sender = current_sender();
  if (!sender || from == *self_)
    return;
  auto i = peers_.find(from);
  if (i != peers_.end() && i->second.handle)
    return;
  attach(from, i != peers_.end() ? i->second : peers_[from],
         caf::actor_cast<caf::actor>(sender));
}

// -- failure detection --------------------------------------------------------

void process::link(const address& peer_address) {
  if (peer_address.empty())
    return;
  auto& state = peer(peer_address);
  state.linked = true;
  if (!state.handle && !state.resolving)
    resolve(peer_address);
}

void process::unlink(const address& peer_address) {
  auto i = peers_.find(peer_address);
  if (i != peers_.end())
    i->second.linked = false;
}

uint64_t process::ends_of(const address& peer) const {
  auto i = ends_.find(peer);
  return i == ends_.end() ? 0 : i->second;
}

void process::on_peer_down(const caf::down_msg& msg) {
  auto [first, last] = peer_by_actor_.equal_range(msg.source);
  if (first == last)
    return;
  std::vector<address> gone;
  for (auto i = first; i != last; ++i)
    gone.push_back(i->second);
  peer_by_actor_.erase(first, last);
  peer_exit why{msg.reason == caf::exit_reason::remote_link_unreachable
                    ? exit_kind::connection_lost
                    : exit_kind::exited,
                system().render(msg.reason)};
  for (auto& a : gone) {
    ++ends_[a];
    forget_peer(a, why);
  }
}

void process::forget_peer(const address& peer_address, const peer_exit& why,
                          bool later) {
  auto i = peers_.find(peer_address);
  if (i == peers_.end())
    return;
  bool linked = i->second.linked;
  if (last_peer_ == &*i)
    last_peer_ = nullptr;
  peers_.erase(i);
  if (!linked)
    return;
  if (!later) {
    node_.runtime_counters().peer_exits.increment();
    exited(peer_address, why);
    return;
  }
  defer([this, peer_address, why] {
    // A process found at the address meanwhile is the peer now.
    auto now = peers_.find(peer_address);
    if (now != peers_.end() && now->second.handle)
      return;
    node_.runtime_counters().peer_exits.increment();
    exited(peer_address, why);
  });
}

void process::defer(std::function<void()> fn) {
  caf::event_based_actor::send(
      caf::actor_cast<caf::actor>(this), dispatch_atom::value,
      dispatch_call{[fn = std::move(fn)](process&) mutable { fn(); }});
}

// -- flow control -------------------------------------------------------------

bool process::send_windowed(const address& to, message_ptr msg) {
  auto window = node_.config().flow_window;
  auto& state = peer(to);
  if (!state.outbound)
    state.outbound = std::make_unique<flow_sender>(random_() | 1);
  if (!state.outbound->has_room(window))
    return false;
  auto mark = state.outbound->next(window);
  route(to, envelope(self_, std::move(msg), mark));
  return true;
}

bool process::window_open(const address& to) const {
  auto i = peers_.find(to);
  return i == peers_.end() || !i->second.outbound ||
         i->second.outbound->has_room(node_.config().flow_window);
}

void process::when_window_open(const address& to, std::function<void()> fn) {
  if (window_open(to)) {
    fn();
    return;
  }
  peers_[to].outbound->waiters.push_back(std::move(fn));
}

std::size_t process::unacknowledged(const address& to) const {
  auto i = peers_.find(to);
  if (i == peers_.end() || !i->second.outbound)
    return 0;
  return i->second.outbound->in_flight();
}

void process::on_flow_ack(const address& from, const google::protobuf::Message& m) {
  auto& ack = static_cast<const internal::FlowAck&>(m);
  auto i = peers_.find(from);
  if (i == peers_.end() || !i->second.outbound)
    return;
  auto& outbound = *i->second.outbound;
  if (!outbound.acknowledge(ack.stream(), ack.sequence()) ||
      !outbound.has_room(node_.config().flow_window))
    return;
  auto waiters = std::move(outbound.waiters);
  outbound.waiters.clear();
  for (auto& fn : waiters)
    fn();
}

// -- time ---------------------------------------------------------------------

time_point process::now() const {
  return clock().now();
}

timer process::start_timer(duration d, std::function<void()> fn) {
  return timer(this, delay(d, std::move(fn)));
}

weak_process process::weak_self() {
  return weak_process(caf::actor_cast<caf::actor_addr>(this));
}

void timer::cancel() noexcept {
  if (owner_ != nullptr)
    std::exchange(owner_, nullptr)->cancel(std::exchange(id_, 0));
}

timer_id process::delay(duration d, std::function<void()> fn) {
  auto id = ++next_timer_;
  auto at = clock().now() + d;
  timers_.emplace(id, pending_timer{at, std::move(fn)});
  deadlines_.emplace(at, id);
  wake_at(at);
  return id;
}

bool process::cancel(timer_id id) {
  auto i = timers_.find(id);
  if (i == timers_.end())
    return false;
  deadlines_.erase({i->second.at, id});
  timers_.erase(i);
  return true;
}

void process::wake_at(caf::actor_clock::time_point at) {
  if (!wake_ups_.empty() && *wake_ups_.begin() <= at)
    return;
  wake_ups_.insert(at);
  scheduled_send(caf::actor_cast<caf::actor>(this), at, timer_atom::value,
                 at.time_since_epoch().count());
}

void process::fire_due_timers(caf::actor_clock::time_point::rep woken_for) {
  auto woken = wake_ups_.find(
      caf::actor_clock::time_point(caf::actor_clock::duration_type(woken_for)));
  if (woken != wake_ups_.end())
    wake_ups_.erase(woken);
  // The timers due now; those their callbacks start wait for the next
  // wake-up, even if due at once, so that none can starve the mailbox.
  auto now = clock().now();
  std::vector<timer_id> due;
  for (auto& [at, id] : deadlines_) {
    if (at > now)
      break;
    due.push_back(id);
  }
  for (auto id : due) {
    auto i = timers_.find(id);
    if (i == timers_.end())
      continue;
    deadlines_.erase({i->second.at, id});
    auto fn = std::move(i->second.fn);
    timers_.erase(i);
    fn();
  }
  if (!deadlines_.empty())
    wake_at(deadlines_.begin()->first);
}

std::chrono::system_clock::time_point process::wall_now() const {
  return node_.wall_time(clock().now());
}

double process::wall_seconds() const {
  return std::chrono::duration<double>(wall_now().time_since_epoch()).count();
}

// -- utilities ----------------------------------------------------------------

metrics_registry& process::metrics() const {
  return node_.metrics();
}

void process::log(log_level level, std::string_view message) const {
  runtime::log(level, self_->str(), message);
}

}  // namespace mensa::runtime
