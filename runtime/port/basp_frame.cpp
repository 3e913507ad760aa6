#include "runtime/port/basp_frame.hpp"

#include <string_view>
#include <unordered_map>

#include "caf/atom.hpp"

namespace mensa::runtime::port {

namespace {

// Messages inside messages (an error's context, a message as a value)
// deeper than this are refused: CAF parses them recursively.
constexpr int max_nesting = 4;

// Actor handles a frame may hold: each one becomes a proxy.
constexpr int max_handles = 16;

// What CAF's parsed form of a payload may take, per byte of it, and beyond.
constexpr std::size_t cost_per_byte = 10;
constexpr std::size_t cost_allowance = 64 * 1024;

// Rough sizes of what CAF builds, for the cost of a payload: a string, a
// value in a message, an envelope (with its shared wire form and parsed
// address), an actor handle (a proxy and its bookkeeping).
constexpr std::size_t string_cost = 32;
constexpr std::size_t value_cost = 64;
constexpr std::size_t envelope_cost = 256;
constexpr std::size_t handle_cost = 1024;

// Bytes of a default node id: implementation atom, process id, host id.
constexpr std::size_t node_id_size = 8 + 4 + 20;

// Reads CAF 0.17's binary format (binary_serializer): integers big-endian
// at their full width, sequence sizes as little-endian base-128 varints of
// at most 32 bits, strings as a size and their bytes, fixed arrays as their
// elements. Every read fails once the bytes run out; the first failure
// sticks, with the reason. It adds up what CAF would build meanwhile.
class wire_cursor {
 public:
  wire_cursor(std::string_view bytes, const frame_context& context)
      : rest_(bytes), context_(context) {}

  bool ok() const noexcept { return problem_.empty(); }
  bool at_end() const noexcept { return rest_.empty(); }
  std::size_t remaining() const noexcept { return rest_.size(); }
  const std::string& problem() const noexcept { return problem_; }
  std::size_t cost() const noexcept { return cost_; }
  const frame_context& context() const noexcept { return context_; }

  bool fail(std::string why) {
    if (problem_.empty())
      problem_ = std::move(why);
    return false;
  }

  void add_cost(std::size_t bytes) noexcept { cost_ += bytes; }

  bool handle() {
    if (++handles_ > max_handles)
      return fail("more than " + std::to_string(max_handles) + " actor handles");
    add_cost(handle_cost);
    return true;
  }

  bool skip(std::size_t n, const char* what) {
    if (!ok())
      return false;
    if (n > rest_.size())
      return fail(std::string(what) + " runs past the end of the payload");
    rest_.remove_prefix(n);
    return true;
  }

  bool bytes(std::string_view& out, std::size_t n, const char* what) {
    auto start = rest_;
    if (!skip(n, what))
      return false;
    out = start.substr(0, n);
    return true;
  }

  bool integer(uint64_t& out, std::size_t width, const char* what) {
    std::string_view raw;
    if (!bytes(raw, width, what))
      return false;
    out = 0;
    for (auto c : raw)
      out = (out << 8) | static_cast<unsigned char>(c);
    return true;
  }

  bool u64(uint64_t& out, const char* what) { return integer(out, 8, what); }

  bool sequence_size(std::size_t& out, const char* what) {
    out = 0;
    for (int i = 0; i < 5; ++i) {
      uint64_t byte = 0;
      if (!integer(byte, 1, what))
        return false;
      out |= static_cast<std::size_t>(byte & 0x7F) << (7 * i);
      if ((byte & 0x80) == 0) {
        if (out > 0xFFFFFFFFu)
          return fail(std::string(what) + " has a size beyond 32 bits");
        return true;
      }
    }
    return fail(std::string(what) + " has a size longer than five bytes");
  }

  bool string(std::string_view& out, const char* what) {
    std::size_t n = 0;
    if (!sequence_size(n, what))
      return false;
    add_cost(string_cost + n);
    return bytes(out, n, what);
  }

  bool string(const char* what) {
    std::string_view ignored;
    return string(ignored, what);
  }

 private:
  std::string_view rest_;
  const frame_context& context_;
  std::string problem_;
  std::size_t cost_ = 0;
  int handles_ = 0;
};

// A node: an implementation atom, then (for the default one) a process id
// and a 20-byte host id. Once the connection's peer is known, only it and
// this node may be named.
bool node_id(wire_cursor& in) {
  std::string_view raw;
  if (!in.bytes(raw, 8, "a node id"))
    return false;
  uint64_t implementation = 0;
  for (auto c : raw)
    implementation = (implementation << 8) | static_cast<unsigned char>(c);
  if (implementation == static_cast<uint64_t>(caf::atom("")))
    return true;
  if (implementation != static_cast<uint64_t>(caf::atom("default")))
    return in.fail("a node id of an implementation mensa does not use");
  auto start = raw.data();
  if (!in.skip(4 + 20, "a node id"))
    return false;
  std::string_view id(start, node_id_size);
  auto& context = in.context();
  if (!context.peer_node.empty() && id != context.peer_node && id != context.local_node)
    return in.fail("it names a node other than the two ends of its connection");
  return true;
}

// An actor handle (strong or weak, or an actor_addr): its id and node.
bool actor_handle(wire_cursor& in) {
  uint64_t id = 0;
  return in.handle() && in.u64(id, "an actor id") && node_id(in);
}

bool message(wire_cursor& in, int depth);

// An error: code, category atom, context message.
bool error_value(wire_cursor& in, int depth) {
  return in.skip(1 + 8, "an error") && message(in, depth + 1);
}

template <class F>
bool sequence(wire_cursor& in, const char* what, F element) {
  std::size_t n = 0;
  if (!in.sequence_size(n, what))
    return false;
  // Each element takes at least one byte, so a count beyond the bytes left
  // cannot be honest (and would keep the loop busy for nothing).
  if (n > in.remaining())
    return in.fail(std::string(what) + " claims more elements than bytes remain");
  for (std::size_t i = 0; i < n; ++i)
    if (!element())
      return false;
  return true;
}

// mensa.envelope: sender, type, payload, stream, sequence, ack flag.
bool envelope(wire_cursor& in) {
  in.add_cost(envelope_cost);
  return in.string("an envelope's sender") && in.string("an envelope's type") &&
         in.string("an envelope's payload") && in.skip(8 + 8 + 1, "an envelope");
}

using value_reader = bool (*)(wire_cursor&, int depth);

// The types a mensa node puts into a message, by the name CAF writes for
// them. Everything else is refused: byte buffers (CAF sizes them before it
// reads them), stream and group messages (state of their own), exits and
// downs (mensa's nodes watch each other through monitors, which BASP
// carries as operations of its own; an exit would kill the actor it names).
const std::unordered_map<std::string_view, value_reader>& wire_types() {
  static const std::unordered_map<std::string_view, value_reader> types = {
      {"mensa.envelope", [](wire_cursor& in, int) { return envelope(in); }},
      {"mensa.envelope_batch",
       [](wire_cursor& in, int) {
         return sequence(in, "an envelope batch", [&] { return envelope(in); });
       }},
      {"@atom", [](wire_cursor& in, int) { return in.skip(8, "an atom"); }},
      {"@str", [](wire_cursor& in, int) { return in.string("a string"); }},
      {"@actor", [](wire_cursor& in, int) { return actor_handle(in); }},
      {"@strong_actor_ptr", [](wire_cursor& in, int) { return actor_handle(in); }},
      {"@addr", [](wire_cursor& in, int) { return actor_handle(in); }},
      {"@node", [](wire_cursor& in, int) { return node_id(in); }},
      {"@error", [](wire_cursor& in, int depth) { return error_value(in, depth); }},
      {"@message", [](wire_cursor& in, int depth) { return message(in, depth + 1); }},
      {"@message_id", [](wire_cursor& in, int) { return in.skip(8, "a message id"); }},
      {"bool", [](wire_cursor& in, int) { return in.skip(1, "a bool"); }},
      {"@u8", [](wire_cursor& in, int) { return in.skip(1, "an integer"); }},
      {"@i8", [](wire_cursor& in, int) { return in.skip(1, "an integer"); }},
      {"@u16", [](wire_cursor& in, int) { return in.skip(2, "an integer"); }},
      {"@i16", [](wire_cursor& in, int) { return in.skip(2, "an integer"); }},
      {"@u32", [](wire_cursor& in, int) { return in.skip(4, "an integer"); }},
      {"@i32", [](wire_cursor& in, int) { return in.skip(4, "an integer"); }},
      {"@u64", [](wire_cursor& in, int) { return in.skip(8, "an integer"); }},
      {"@i64", [](wire_cursor& in, int) { return in.skip(8, "an integer"); }},
      {"@timespan", [](wire_cursor& in, int) { return in.skip(8, "a timespan"); }},
      {"@timestamp", [](wire_cursor& in, int) { return in.skip(8, "a timestamp"); }},
  };
  return types;
}

// A message: a zero type number, the names of its element types joined as
// "@<>+name+name", then the elements.
bool message(wire_cursor& in, int depth) {
  if (depth > max_nesting)
    return in.fail("messages nest more than " + std::to_string(max_nesting) +
                   " levels deep");
  uint64_t type_number = 0;
  if (!in.integer(type_number, 2, "a message"))
    return false;
  if (type_number != 0)
    return in.fail("a message names its type by number");
  std::string_view names;
  if (!in.string(names, "a message's type names"))
    return false;
  if (names == "@<>")
    return true;
  constexpr std::string_view prefix = "@<>+";
  if (names.substr(0, prefix.size()) != prefix)
    return in.fail("a message's type names do not start with @<>+");
  names.remove_prefix(prefix.size());
  // A link or unlink request: CAF treats its actor as a proxy, whatever it
  // is, and mensa's nodes never link across nodes.
  if (depth == 0 && names == "@atom+@strong_actor_ptr")
    return in.fail("a message asks to link or unlink actors");
  auto& types = wire_types();
  while (true) {
    auto end = names.find('+');
    auto name = names.substr(0, end);
    auto reader = types.find(name);
    if (reader == types.end())
      return in.fail("a message holds a type mensa does not exchange: '" +
                     std::string(name.substr(0, 64)) + "'");
    in.add_cost(value_cost);
    if (!reader->second(in, depth))
      return false;
    if (end == std::string_view::npos)
      return true;
    names.remove_prefix(end + 1);
  }
}

bool forwarding_stack(wire_cursor& in) {
  return sequence(in, "a forwarding stack", [&] { return actor_handle(in); });
}

bool payload_of(basp_operation op, wire_cursor& in) {
  switch (op) {
    case basp_operation::server_handshake: {
      uint64_t published = 0;
      return node_id(in) &&
             sequence(in, "application ids",
                      [&] { return in.string("an application id"); }) &&
             in.u64(published, "a published actor") &&
             sequence(in, "published interfaces",
                      [&] { return in.string("an interface"); });
    }
    case basp_operation::client_handshake:
      return node_id(in);
    case basp_operation::monitor_message:
      return node_id(in) && node_id(in);
    case basp_operation::direct_message:
      return forwarding_stack(in) && message(in, 0);
    case basp_operation::routed_message:
      return in.fail("a routed message (mensa's nodes talk directly)");
    case basp_operation::down_message:
      return node_id(in) && node_id(in) && error_value(in, 0);
    case basp_operation::heartbeat:
      return in.fail("a heartbeat carries a payload");
  }
  return in.fail("unknown operation");
}

}  // namespace

basp_header read_basp_header(const char* bytes) noexcept {
  auto at = [bytes](std::size_t offset, std::size_t width) {
    uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i)
      value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
    return value;
  };
  basp_header header;
  header.operation = static_cast<uint8_t>(at(0, 1));
  header.flags = static_cast<uint8_t>(at(3, 1));
  header.payload_length = static_cast<uint32_t>(at(4, 4));
  header.operation_data = at(8, 8);
  header.source_actor = at(16, 8);
  header.destination_actor = at(24, 8);
  return header;
}

std::optional<std::string> basp_payload_problem(const basp_header& header,
                                                std::string_view payload,
                                                const frame_context& context) {
  if (!header.known_operation())
    return "unknown operation " + std::to_string(header.operation);
  wire_cursor in(payload, context);
  if (!payload_of(header.op(), in))
    return in.problem();
  if (!in.at_end())
    return std::to_string(in.remaining()) + " bytes follow the payload's content";
  if (in.cost() > cost_per_byte * payload.size() + cost_allowance)
    return "its " + std::to_string(payload.size()) + " bytes would take about " +
           std::to_string(in.cost()) + " bytes of memory once parsed";
  return std::nullopt;
}

std::optional<std::string_view> handshake_node(std::string_view payload) {
  if (payload.size() < node_id_size)
    return std::nullopt;
  uint64_t implementation = 0;
  for (std::size_t i = 0; i < 8; ++i)
    implementation = (implementation << 8) | static_cast<unsigned char>(payload[i]);
  if (implementation != static_cast<uint64_t>(caf::atom("default")))
    return std::nullopt;
  return payload.substr(0, node_id_size);
}

}  // namespace mensa::runtime::port
