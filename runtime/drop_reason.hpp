#pragma once

#include <cstddef>

namespace mensa::runtime {

/// Why the runtime dropped a message instead of handling it. Each reason
/// has a counter, `runtime/messages_dropped/<name>`, in the node's metrics.
enum class drop_reason {
  /// The receiving program does not know the protobuf type.
  unknown_type,
  /// The receiving process has no handler for the type.
  unhandled,
  /// The payload does not parse as its type.
  parse_error,
  /// The payload exceeds the node's `max_message_size`.
  oversize,
  /// The sender's address on the wire is malformed.
  malformed_sender,
  /// The destination could not be resolved or connected to.
  unroutable,
  /// A CAF message that is not an envelope reached a process.
  unexpected,
  /// A test's message filter dropped it.
  filtered,
  /// A test filter delayed it, and its sender ended or lost its connection
  /// meanwhile: over a connection it would have come before that news, and
  /// the sender's successor (a restarted master or agent on the same
  /// address) speaks for itself.
  stale_sender,
};

/// How many drop reasons there are.
constexpr std::size_t drop_reason_count = 9;

/// Returns the metric suffix of `reason`, e.g. "unknown_type".
const char* to_string(drop_reason reason);

}  // namespace mensa::runtime
