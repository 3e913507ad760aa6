#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mensa::runtime::port {

/// What a node's port knows of BASP, the Binary Actor System Protocol that
/// CAF 0.17 speaks between nodes: enough to frame a byte stream and to check
/// each frame before CAF parses it.
///
/// CAF trusts its peers: it sizes its read buffer from the length a header
/// claims and, for some types, sizes containers from counts in the payload,
/// before it has seen the bytes. The port reads every header and payload
/// itself first and lets through only frames whose every length lies within
/// the bytes received, whose types are those mensa's nodes exchange, and
/// whose messages nest at most a few levels deep.

/// Bytes of a BASP header, which starts every frame.
inline constexpr std::size_t basp_header_size = 32;

/// The first byte of a BASP header.
enum class basp_operation : uint8_t {
  server_handshake = 0,
  client_handshake = 1,
  direct_message = 2,
  routed_message = 3,
  monitor_message = 4,
  down_message = 5,
  heartbeat = 6,
};

/// A BASP header as it comes off the wire (big-endian fields).
struct basp_header {
  /// The raw operation byte; `known_operation` tells whether it is valid.
  uint8_t operation = 0;
  /// Flags (named receiver, select connection).
  uint8_t flags = 0;
  /// Bytes of payload that follow the header.
  uint32_t payload_length = 0;
  /// Operation-specific (the protocol version in a server handshake).
  uint64_t operation_data = 0;
  /// Sending actor.
  uint64_t source_actor = 0;
  /// Receiving actor.
  uint64_t destination_actor = 0;

  /// Returns whether `operation` names one of the seven operations.
  bool known_operation() const noexcept { return operation <= 6; }

  /// Returns the operation; meaningful only when `known_operation()`.
  basp_operation op() const noexcept { return static_cast<basp_operation>(operation); }
};

/// Reads a header from `basp_header_size` bytes.
basp_header read_basp_header(const char* bytes) noexcept;

/// The nodes a frame's payload may name: the two ends of its connection.
/// Node ids are compared as CAF writes them (see `handshake_node`).
struct frame_context {
  /// This node.
  std::string_view local_node;
  /// The peer, as its first handshake named it; empty before, when any
  /// node id passes.
  std::string_view peer_node;
};

/// Returns why `payload` may not be handed to CAF as the payload of a frame
/// with `header` on a connection described by `context`, or nothing when it
/// may. The check reads the payload as CAF 0.17 would and refuses what CAF
/// would parse unsafely or what lets a peer grow a node without bound:
/// - a length or count beyond the payload, or bytes left over;
/// - a type outside mensa's wire vocabulary (CAF's byte buffers, streams,
///   groups, links and exits among them) or messages nested deeper than
///   four levels;
/// - a payload whose parsing would take more than ten times its size in
///   memory (empty strings, one-byte elements);
/// - more than 16 actor handles (each one a proxy), or a node other than
///   the connection's two ends (each one a route and helper actors);
/// - a routed message (mensa's nodes talk directly).
std::optional<std::string> basp_payload_problem(const basp_header& header,
                                                std::string_view payload,
                                                const frame_context& context = {});

/// Returns the node id a handshake's payload begins with, as CAF writes it
/// (implementation atom, process id, host id), or nothing when it does not
/// begin with a node id of CAF's default kind.
std::optional<std::string_view> handshake_node(std::string_view payload);

}  // namespace mensa::runtime::port
