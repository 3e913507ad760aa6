// The port's check of BASP payloads against what CAF 0.17 itself writes:
// every frame mensa's nodes exchange passes; what CAF would parse unsafely
// (a byte buffer sized from the wire, a length beyond the payload, deep
// nesting, an unknown type) does not.

#include "runtime/port/basp_frame.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/binary_serializer.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"
#include "caf/make_message.hpp"
#include "caf/sec.hpp"
#include "caf/system_messages.hpp"
#include "runtime/atoms.hpp"
#include "runtime/envelope.hpp"
#include "runtime/envelope_batch.hpp"

using namespace mensa;
using runtime::port::basp_header;
using runtime::port::basp_operation;
using runtime::port::basp_payload_problem;

namespace {

struct wire {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::actor someone;

  static caf::actor_system_config& configure(caf::actor_system_config& cfg) {
    cfg.add_message_type<runtime::envelope>("mensa.envelope");
    cfg.add_message_type<runtime::envelope_batch>("mensa.envelope_batch");
    cfg.set("logger.console-verbosity", caf::atom("quiet"));
    return cfg;
  }

  wire() : sys(configure(cfg)) {
    someone = sys.spawn([]() -> caf::behavior { return {[](int) {}}; });
  }

  ~wire() { caf::anon_send_exit(someone, caf::exit_reason::kill); }

  // What CAF writes for `xs...`.
  template <class... Ts>
  std::string bytes(Ts&&... xs) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    auto err = sink(xs...);
    REQUIRE(!err);
    return std::string(buf.begin(), buf.end());
  }

  // The payload of a direct message carrying `msg`.
  std::string direct(caf::message msg) {
    std::vector<caf::strong_actor_ptr> stack{
        caf::actor_cast<caf::strong_actor_ptr>(someone)};
    return bytes(stack, msg);
  }
};

basp_header header_of(basp_operation op) {
  basp_header h;
  h.operation = static_cast<uint8_t>(op);
  return h;
}

std::optional<std::string> direct_problem(const std::string& payload) {
  return basp_payload_problem(header_of(basp_operation::direct_message), payload);
}

runtime::envelope sample_envelope(const std::string& payload) {
  return runtime::envelope::from_wire("master@10.0.0.1:5050", "mensa.internal.Ping",
                                      payload, {7, 3, true});
}

// Varint of `n` as CAF writes sequence sizes.
std::string varint(uint32_t n) {
  std::string out;
  do {
    auto low = static_cast<char>(n & 0x7F);
    n >>= 7;
    out.push_back(static_cast<char>(low | (n ? 0x80 : 0)));
  } while (n);
  return out;
}

// A direct message's payload with no forwarding stack and these type
// names followed by `body`.
std::string crafted(const std::string& names, const std::string& body) {
  std::string out = varint(0);
  out += std::string("\0\0", 2);
  out += varint(static_cast<uint32_t>(names.size())) + names;
  return out + body;
}

}  // namespace

TEST_CASE_FIXTURE(wire, "every kind of frame mensa's nodes exchange passes the check") {
  auto envelope = sample_envelope("payload bytes");
  CHECK_FALSE(direct_problem(direct(caf::make_message(envelope))));
  runtime::envelope_batch batch{{envelope, sample_envelope(""), sample_envelope("x")}};
  CHECK_FALSE(direct_problem(direct(caf::make_message(batch))));
  CHECK_FALSE(direct_problem(
      direct(caf::make_message(runtime::lookup_atom::value, std::string("master")))));
  CHECK_FALSE(direct_problem(direct(caf::make_message(someone))));
  CHECK_FALSE(direct_problem(direct(caf::make_message(caf::actor{}))));
  CHECK_FALSE(direct_problem(direct(caf::make_message(caf::make_error(
      caf::sec::request_timeout, std::string("why"), uint16_t{5050})))));
  CHECK_FALSE(direct_problem(direct(caf::message{})));
  // What CAF asks a node it learns of, and the answer.
  CHECK_FALSE(direct_problem(direct(caf::make_message(
      caf::sys_atom::value, caf::get_atom::value, std::string("info")))));
  CHECK_FALSE(direct_problem(direct(caf::make_message(
      caf::ok_atom::value, std::string("name"),
      caf::actor_cast<caf::strong_actor_ptr>(someone), std::string("iface")))));

  auto node = sys.node();
  CHECK_FALSE(
      basp_payload_problem(header_of(basp_operation::client_handshake), bytes(node)));
  std::vector<std::string> app_ids{"generic-caf-app"};
  caf::actor_id published = someone.id();
  std::set<std::string> interfaces;
  CHECK_FALSE(basp_payload_problem(header_of(basp_operation::server_handshake),
                                   bytes(node, app_ids, published, interfaces)));
  CHECK_FALSE(basp_payload_problem(header_of(basp_operation::monitor_message),
                                   bytes(node, node)));
  caf::error reason = caf::exit_reason::normal;
  CHECK_FALSE(basp_payload_problem(header_of(basp_operation::down_message),
                                   bytes(node, node, reason)));
}

TEST_CASE_FIXTURE(wire,
                  "exits, downs and link requests are refused: mensa's nodes watch "
                  "each other through monitors") {
  CHECK(direct_problem(direct(
      caf::make_message(caf::exit_msg{someone.address(), caf::exit_reason::kill}))));
  CHECK(direct_problem(direct(caf::make_message(
      caf::down_msg{someone.address(), caf::exit_reason::user_shutdown}))));
  auto link = direct_problem(direct(caf::make_message(
      caf::link_atom::value, caf::actor_cast<caf::strong_actor_ptr>(someone))));
  REQUIRE(link);
  CHECK(link->find("link or unlink") != std::string::npos);
  std::vector<caf::strong_actor_ptr> stack;
  auto node = sys.node();
  auto msg = caf::make_message(sample_envelope("x"));
  auto routed = basp_payload_problem(header_of(basp_operation::routed_message),
                                     bytes(node, node, stack, msg));
  REQUIRE(routed);
  CHECK(routed->find("routed") != std::string::npos);
}

TEST_CASE_FIXTURE(wire, "once the peer is known, only it and this node may be named") {
  caf::node_id::default_data::host_id_type host{};
  host.fill(7);
  auto local = bytes(caf::make_node_id(100, host));
  auto peer = bytes(caf::make_node_id(200, host));
  host[3] = 9;
  auto stranger = bytes(caf::make_node_id(100, host));
  REQUIRE(local.size() == 32);
  runtime::port::frame_context context{local, peer};
  auto monitor = [&](const std::string& a, const std::string& b) {
    return basp_payload_problem(header_of(basp_operation::monitor_message), a + b,
                                context);
  };
  CHECK_FALSE(monitor(peer, local));
  CHECK_FALSE(monitor(local, peer));
  auto problem = monitor(peer, stranger);
  REQUIRE(problem);
  CHECK(problem->find("other than the two ends") != std::string::npos);
  // Before the handshake named the peer, any node passes.
  CHECK_FALSE(basp_payload_problem(header_of(basp_operation::monitor_message),
                                   peer + stranger));
  REQUIRE(runtime::port::handshake_node(local + "more"));
  CHECK(*runtime::port::handshake_node(local + "more") == local);
  CHECK_FALSE(runtime::port::handshake_node(local.substr(0, 20)));
}

TEST_CASE_FIXTURE(wire,
                  "a payload whose parsing would take much more memory than its "
                  "bytes is refused, and so are many actor handles") {
  // Envelopes with nothing in them: 20 bytes each on the wire, hundreds in
  // memory.
  runtime::envelope_batch empty;
  for (int i = 0; i < 5000; ++i)
    empty.envelopes.push_back(runtime::envelope::from_wire("", "", "", {}));
  auto problem = direct_problem(direct(caf::make_message(empty)));
  REQUIRE(problem);
  CHECK(problem->find("bytes of memory once parsed") != std::string::npos);
  // Envelopes as mensa sends them pass.
  runtime::envelope_batch real;
  for (int i = 0; i < 5000; ++i)
    real.envelopes.push_back(sample_envelope("0123456789"));
  CHECK_FALSE(direct_problem(direct(caf::make_message(real))));
  // Each actor handle becomes a proxy: at most 16 in a frame.
  std::vector<caf::strong_actor_ptr> stack(
      17, caf::actor_cast<caf::strong_actor_ptr>(someone));
  problem = direct_problem(bytes(stack, caf::message{}));
  REQUIRE(problem);
  CHECK(problem->find("more than 16 actor handles") != std::string::npos);
}

TEST_CASE_FIXTURE(
    wire, "a byte buffer, which CAF sizes from the wire before reading, is refused") {
  auto problem = direct_problem(direct(caf::make_message(std::vector<char>{'a', 'b'})));
  REQUIRE(problem);
  CHECK(problem->find("'@charbuf'") != std::string::npos);
  // As an attacker sends it: a buffer claiming 4 GB in a few bytes.
  CHECK(direct_problem(crafted("@<>+@charbuf", varint(0xFFFFFFF0u))));
}

TEST_CASE("lengths and counts beyond the payload are refused") {
  // A string claiming 1000 bytes with 3 present.
  auto problem = direct_problem(crafted("@<>+@str", varint(1000) + "abc"));
  REQUIRE(problem);
  CHECK(problem->find("runs past the end") != std::string::npos);
  // A batch claiming more envelopes than there are bytes.
  problem = direct_problem(crafted("@<>+mensa.envelope_batch", varint(1u << 30)));
  REQUIRE(problem);
  CHECK(problem->find("more elements than bytes") != std::string::npos);
  // A size of more than five varint bytes.
  CHECK(direct_problem(crafted("@<>+@str", std::string(6, '\xff'))));
  // A forwarding stack with no room for its actors.
  CHECK(direct_problem(varint(3)));
}

TEST_CASE("messages nested four deep pass, five deep are refused") {
  auto nest = [](int levels) {
    std::string body;
    for (int i = 0; i < levels; ++i)
      body += std::string("\0\0", 2) + varint(12) + "@<>+@message";
    body += std::string("\0\0", 2) + varint(3) + "@<>";
    return crafted("@<>+@message", body);
  };
  CHECK_FALSE(direct_problem(nest(3)));
  auto problem = direct_problem(nest(4));
  REQUIRE(problem);
  CHECK(problem->find("nest more than 4") != std::string::npos);
}

TEST_CASE_FIXTURE(wire,
                  "unknown types, unknown operations and leftover bytes are refused") {
  CHECK(direct_problem(crafted("@<>+@group", varint(5) + "local")));
  CHECK(direct_problem(crafted("@<>+some.other.Type", "")));
  CHECK(direct_problem(crafted("@<>", "")) == std::nullopt);
  CHECK(direct_problem(crafted("@<>", "x")));
  basp_header bogus;
  bogus.operation = 9;
  CHECK(basp_payload_problem(bogus, ""));
  CHECK(basp_payload_problem(header_of(basp_operation::heartbeat), "x"));
  auto with_tail = bytes(sys.node()) + "tail";
  CHECK(basp_payload_problem(header_of(basp_operation::client_handshake), with_tail));
}

TEST_CASE("a header is read big-endian, field by field") {
  const unsigned char raw[32] = {2,    0,    0,    1, 0, 0, 1, 2, 0, 0,   0,
                                 0,    0,    0,    0, 9, 0, 0, 0, 0, 0,   0,
                                 0x01, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0x2a};
  auto h = runtime::port::read_basp_header(reinterpret_cast<const char*>(raw));
  CHECK(h.operation == 2);
  CHECK(h.known_operation());
  CHECK(h.flags == 1);
  CHECK(h.payload_length == 258);
  CHECK(h.operation_data == 9);
  CHECK(h.source_actor == 256);
  CHECK(h.destination_actor == 0xff0000000000002aull);
}
