#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "caf/actor.hpp"
#include "caf/send.hpp"
#include "caf/timespan.hpp"
#include "runtime/address.hpp"
#include "runtime/atoms.hpp"
#include "runtime/envelope.hpp"
#include "runtime/message_filter.hpp"

namespace mensa::runtime::testing {

/// Selects deliveries by message type, sender and receiver; a part left
/// empty matches anything.
struct message_pattern {
  /// Full protobuf type name, e.g. `mensa.internal.Ping`; empty for any.
  std::string type;
  /// The sender, or any.
  std::optional<address> from;
  /// The receiver, or any.
  std::optional<address> to;

  /// Returns whether a delivery matches.
  bool matches(std::string_view type_name, const address& sender,
               const address& receiver) const;
};

/// Matches any sender or receiver in a pattern.
inline const std::optional<address> anyone = std::nullopt;

/// One delivery the harness saw, in the order it happened.
struct delivery {
  std::string type;
  address from;
  address to;

  friend bool operator==(const delivery& x, const delivery& y) {
    return x.type == y.type && x.from == y.from && x.to == y.to;
  }
};

/// What a rule does with the deliveries it matches.
struct rule_state {
  message_pattern pattern;
  filter_verdict verdict;
  bool repeat = false;
  bool active = true;
  std::size_t hits = 0;
  envelope first;
  address first_to;
  caf::actor first_target;
  bool settled = false;
};

/// The message filter of the deterministic harness: records every delivery
/// and applies rules in the order they were added. Observing rules never
/// stop later rules; the first matching drop, delay or hold decides.
class delivery_rules : public message_filter {
 public:
  filter_verdict on_delivery(const envelope& e, const address& to,
                             const caf::actor& target) override;

  /// Adds a rule; `repeat` keeps it matching after the first hit.
  std::shared_ptr<rule_state> add(message_pattern pattern, filter_verdict verdict,
                                  bool repeat);

  /// Removes every rule (recorded deliveries stay).
  void clear() { rules_.clear(); }

  /// Returns every delivery seen so far.
  const std::vector<delivery>& trace() const noexcept { return trace_; }

 private:
  std::vector<std::shared_ptr<rule_state>> rules_;
  std::vector<delivery> trace_;
};

/// Parses the protobuf message in `e` as `M` (shared locally, serialized
/// when it crossed the simulated network).
template <class M>
M message_as(const envelope& e) {
  M result;
  if (e.is_wire())
    result.ParseFromString(e.payload());
  else if (e.message())
    result.CopyFrom(*e.message());
  return result;
}

/// A rule's first match, once it happened: FUTURE_PROTOBUF of the harness.
template <class M>
class message_future {
 public:
  /// Follows `state`.
  explicit message_future(std::shared_ptr<rule_state> state)
      : state_(std::move(state)) {}

  /// Returns whether a matching message was delivered (or dropped, delayed,
  /// held, as the rule says).
  bool ready() const noexcept { return state_->hits > 0; }

  /// Returns how many messages the rule matched.
  std::size_t count() const noexcept { return state_->hits; }

  /// Returns the first matching message; requires `ready()`.
  M get() const { return message_as<M>(state_->first); }

  /// Returns the sender of the first match; requires `ready()`.
  const address& from() const { return state_->first.from(); }

  /// Returns the receiver of the first match; requires `ready()`.
  const address& to() const { return state_->first_to; }

  /// Stops the rule from matching more messages.
  void cancel() { state_->active = false; }

 private:
  std::shared_ptr<rule_state> state_;
};

/// A message a rule took out of the flow; the test releases or discards it.
template <class M>
class held_message : public message_future<M> {
 public:
  /// Follows `state`.
  explicit held_message(std::shared_ptr<rule_state> state)
      : message_future<M>(state), state_(std::move(state)) {}

  /// Delivers the held message now (it skips the rules). Returns false if
  /// nothing was caught or it was already released or discarded.
  bool release() {
    if (state_->hits == 0 || state_->settled)
      return false;
    state_->settled = true;
    caf::anon_send(state_->first_target, deliver_atom::value, state_->first);
    return true;
  }

  /// Forgets the held message: it is lost.
  bool discard() {
    if (state_->hits == 0 || state_->settled)
      return false;
    state_->settled = true;
    return true;
  }

 private:
  std::shared_ptr<rule_state> state_;
};

}  // namespace mensa::runtime::testing
