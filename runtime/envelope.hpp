#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "caf/deserializer.hpp"
#include "caf/meta/load_callback.hpp"
#include "caf/meta/type_name.hpp"
#include "caf/serializer.hpp"
#include "runtime/address.hpp"

namespace mensa::runtime {

/// An immutable protobuf message, shared by everyone who holds it.
using message_ptr = std::shared_ptr<const google::protobuf::Message>;

/// The flow-control marks an envelope may carry (see flow_control.hpp).
struct flow_mark {
  /// Identifies the sender's stream to one receiver; 0 when not flow-controlled.
  uint64_t stream = 0;
  /// Position of this message in its stream, from 1.
  uint64_t sequence = 0;
  /// Whether the receiver should acknowledge this message once handled.
  bool ack_requested = false;
};

/// What travels between processes: one protobuf message and its sender's
/// address. It is the only CAF message type mensa puts on the wire.
///
/// Within one OS process the message is shared, never serialized or copied.
/// Toward another OS process it is serialized exactly once, when CAF writes
/// it; the receiver gets the type name and bytes and parses them itself, so a
/// type it does not know, bytes that do not parse or a payload over its size
/// limit are its own decision (the process base drops and counts them).
class envelope {
 public:
  /// An empty envelope, as CAF default-constructs before loading.
  envelope() = default;

  /// Wraps a message sent by `from` within this OS process. `from` is the
  /// address its node keeps for the sender (node::intern): it stays valid as
  /// long as that node, which outlives every envelope sent on it.
  envelope(const address* from, message_ptr message, flow_mark flow = {})
      : from_(from), message_(std::move(message)), flow_(flow) {}

  /// Makes an envelope as it arrives from the network. `from` is parsed
  /// here; a malformed sender leaves `from()` empty.
  static envelope from_wire(std::string from, std::string type, std::string payload,
                            flow_mark flow);

  /// Returns the sender; empty only for a wire envelope whose sender text
  /// was malformed (see `wire_sender_text`).
  const address& from() const noexcept {
    if (wire_)
      return wire_->from;
    return from_ ? *from_ : empty_address();
  }

  /// Returns the sender exactly as it arrived from the network.
  const std::string& wire_sender_text() const noexcept;

  /// Returns whether this envelope arrived from the network.
  bool is_wire() const noexcept { return wire_ != nullptr; }

  /// Returns the message of a local envelope; null for a wire envelope.
  const message_ptr& message() const noexcept { return message_; }

  /// Moves the message of a local envelope out (the receiver owns it then).
  message_ptr take_message() noexcept { return std::move(message_); }

  /// Returns the full protobuf type name, e.g. `mensa.internal.Ping`.
  std::string_view type_name() const noexcept;

  /// Returns the serialized bytes of a wire envelope.
  const std::string& payload() const noexcept;

  /// Returns the flow-control marks.
  const flow_mark& flow() const noexcept { return flow_; }

  /// Returns how many envelopes this OS process has serialized for the
  /// network (tests and benchmarks use it to see serialization happen).
  static uint64_t serialized_count() noexcept;

  /// Writes the type name and the serialized message for the network,
  /// serializing a local message (and counting it) or copying wire bytes.
  void write_wire(std::string& type, std::string& payload) const;

  /// Returns the size of the payload: its bytes, or the serialized size of
  /// a local message.
  std::size_t payload_size() const;

  /// Returns about how many bytes this envelope takes on the wire: its
  /// payload (serialized size of a local message), sender and type, and a
  /// few bytes of framing.
  std::size_t wire_size() const;

  /// Returns the sender's address as text for the network.
  const std::string& sender_text() const noexcept;

  /// Returns a one-line description for logs: `type from sender`.
  std::string describe() const;

 private:
  static const address& empty_address() noexcept;

  struct wire_form {
    std::string from_text;
    address from;
    std::string type;
    std::string payload;
  };

  const address* from_ = nullptr;
  message_ptr message_;
  std::shared_ptr<const wire_form> wire_;
  flow_mark flow_;
};

/// Lets CAF serialize envelopes: sender, type, payload and flow marks.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, envelope& x) {
  auto name = caf::meta::type_name("mensa.envelope");
  if constexpr (std::is_base_of<caf::serializer, Inspector>::value) {
    std::string from = x.sender_text();
    std::string type;
    std::string payload;
    x.write_wire(type, payload);
    flow_mark flow = x.flow();
    return f(name, from, type, payload, flow.stream, flow.sequence, flow.ack_requested);
  } else if constexpr (std::is_base_of<caf::deserializer, Inspector>::value) {
    std::string from;
    std::string type;
    std::string payload;
    flow_mark flow;
    auto load = [&]() -> caf::error {
      x = envelope::from_wire(std::move(from), std::move(type), std::move(payload),
                              flow);
      return caf::none;
    };
    return f(name, from, type, payload, flow.stream, flow.sequence, flow.ack_requested,
             caf::meta::load_callback(load));
  } else {
    std::string summary = x.describe();
    return f(name, summary);
  }
}

}  // namespace mensa::runtime
