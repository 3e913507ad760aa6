#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "caf/abstract_actor.hpp"
#include "caf/actor_cast.hpp"
#include "caf/actor_clock.hpp"
#include "caf/fwd.hpp"
#include "caf/timespan.hpp"
#include "runtime/address.hpp"
#include "runtime/node.hpp"
#include "runtime/testing/delivery_rules.hpp"
#include "runtime/testing/simulated_network.hpp"

namespace mensa::runtime::testing {

/// Thrown when a harness run cannot go on (a node fails to start, a run
/// never quiesces); doctest reports it as a failed test case.
class harness_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Runs many nodes (separate actor systems) in one test binary,
/// deterministically: one thread delivers every message, the next delivery
/// is chosen by a generator seeded with the harness's seed (the same seed
/// gives the same run), time is simulated and moves only when the test
/// says so, and messages between nodes are serialized as on a socket.
///
/// Tests drive it with `settle` (deliver until nothing is deliverable
/// without advancing time), `advance` (move time, firing timers in order)
/// and `run_until` (both, until a condition holds), and shape deliveries
/// with rules in the spirit of Mesos's DROP_PROTOBUF and FUTURE_PROTOBUF.
///
/// Everything a test gets from a harness (nodes, futures) must be released
/// before the harness, and everything its processes point to (logs,
/// journals) must outlive it: its destructor runs the processes to their
/// end, and they may still handle messages on the way.
class harness {
 public:
  /// Makes an empty cluster whose choices derive from `seed`.
  explicit harness(uint64_t seed = 1);

  /// Stops every process and node.
  ~harness();

  harness(const harness&) = delete;
  harness& operator=(const harness&) = delete;

  /// Returns the seed.
  uint64_t seed() const noexcept { return seed_; }

  /// Adds a node reachable at `ip:port`; `configure` may adjust its config
  /// (flow window, limits) before it starts. Throws `harness_error` if it
  /// cannot start. Nodes log warnings and errors only, unless the
  /// environment variable MENSA_LOG_LEVEL says otherwise.
  node& add_node(const std::string& ip, uint16_t port,
                 const std::function<void(node_config&)>& configure = {});

  /// Spawns `P` as `name` on `n`; throws `harness_error` on failure.
  template <class P, class... Ts>
  address spawn(node& n, std::string_view name, Ts&&... xs) {
    auto spawned = n.spawn<P>(name, std::forward<Ts>(xs)...);
    if (!spawned)
      throw harness_error(spawned.error().message);
    return *spawned;
  }

  // -- running ----------------------------------------------------------------

  /// Delivers one message, chosen by the seeded generator among all that
  /// are deliverable now. Returns false if none is.
  bool step();

  /// Delivers until nothing is deliverable without advancing time; returns
  /// how many deliveries that took. Throws after `limit` deliveries.
  std::size_t settle(std::size_t limit = 10'000'000);

  /// Advances simulated time by `d`, firing every timer due on the way in
  /// order and settling after each.
  void advance(caf::timespan d);

  /// Delivers and advances time until `done()` holds, checking after every
  /// delivery; gives up (returns false) after `limit` of simulated time.
  bool run_until(const std::function<bool()>& done,
                 caf::timespan limit = std::chrono::minutes(1));

  /// Runs until the future is ready (see `run_until`).
  template <class M>
  bool run_until(const message_future<M>& f,
                 caf::timespan limit = std::chrono::minutes(1)) {
    return run_until([&f] { return f.ready(); }, limit);
  }

  /// Returns the simulated time since the harness started.
  caf::timespan elapsed() const noexcept { return now_ - start_; }

  /// Returns process `name` of node `n` as a `P`, to read its state while
  /// no delivery runs (from a test or an `after_each_delivery` check); null
  /// when there is none, or it is no `P`.
  template <class P>
  static const P* peek(node& n, std::string_view name) {
    auto handle = n.find(name);
    if (!handle)
      return nullptr;
    return dynamic_cast<const P*>(caf::actor_cast<caf::abstract_actor*>(handle));
  }

  /// Calls `check` after every delivery (none when empty): a test's
  /// invariants, looked at between any two steps of the cluster. Nothing
  /// runs meanwhile, so `check` may read the processes' state directly.
  void after_each_delivery(std::function<void()> check) {
    after_delivery_ = std::move(check);
  }

  /// Returns how many deliveries the harness made.
  uint64_t steps() const noexcept { return steps_; }

  // -- network ----------------------------------------------------------------

  /// Returns the network between the nodes.
  simulated_network& network() noexcept { return network_; }

  /// Cuts the network between two nodes (see simulated_network).
  void partition(node& a, node& b) { network_.partition(a.endpoint(), b.endpoint()); }

  /// Restores the network between two nodes.
  void heal(node& a, node& b) { network_.heal(a.endpoint(), b.endpoint()); }

  // -- rules ------------------------------------------------------------------

  /// Observes the next `M` from `from` to `to` (FUTURE_PROTOBUF).
  template <class M>
  message_future<M> expect_next(std::optional<address> from,
                                std::optional<address> to) {
    return message_future<M>(add_rule<M>(from, to, {}, false));
  }

  /// Drops the next `M` from `from` to `to` (DROP_PROTOBUF).
  template <class M>
  message_future<M> drop_next(std::optional<address> from, std::optional<address> to) {
    return message_future<M>(
        add_rule<M>(from, to, {filter_verdict::action::drop, {}}, false));
  }

  /// Drops every `M` from `from` to `to` until cancelled (DROP_PROTOBUFS).
  template <class M>
  message_future<M> drop_all(std::optional<address> from, std::optional<address> to) {
    return message_future<M>(
        add_rule<M>(from, to, {filter_verdict::action::drop, {}}, true));
  }

  /// Delays the next `M` from `from` to `to` by `d` of simulated time.
  template <class M>
  message_future<M> delay_next(std::optional<address> from, std::optional<address> to,
                               caf::timespan d) {
    return message_future<M>(
        add_rule<M>(from, to, {filter_verdict::action::delay, d}, false));
  }

  /// Delivers the next `M` from `from` to `to`, and a copy of it `d` of
  /// simulated time later.
  template <class M>
  message_future<M> duplicate_next(std::optional<address> from,
                                   std::optional<address> to, caf::timespan d) {
    return message_future<M>(
        add_rule<M>(from, to, {filter_verdict::action::duplicate, d}, false));
  }

  /// Holds the next `M` from `from` to `to` until the test releases it.
  template <class M>
  held_message<M> hold_next(std::optional<address> from, std::optional<address> to) {
    return held_message<M>(
        add_rule<M>(from, to, {filter_verdict::action::hold, {}}, false));
  }

  /// Returns every delivery so far, in order (type, sender, receiver).
  const std::vector<delivery>& trace() const noexcept { return rules_->trace(); }

 private:
  template <class M>
  std::shared_ptr<rule_state> add_rule(std::optional<address> from,
                                       std::optional<address> to,
                                       filter_verdict verdict, bool repeat) {
    return rules_->add(
        message_pattern{M::descriptor()->full_name(), std::move(from), std::move(to)},
        verdict, repeat);
  }

  std::optional<caf::actor_clock::time_point> next_timeout() const;
  void set_time(caf::actor_clock::time_point t);

  uint64_t seed_;
  std::mt19937_64 random_;
  simulated_network network_;
  std::shared_ptr<delivery_rules> rules_;
  std::vector<std::unique_ptr<node>> nodes_;
  caf::actor_clock::time_point start_;
  caf::actor_clock::time_point now_;
  uint64_t steps_ = 0;
  std::function<void()> after_delivery_;
};

}  // namespace mensa::runtime::testing
