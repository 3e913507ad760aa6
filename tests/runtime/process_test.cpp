// The process base on the deterministic harness: delivery with and without
// serialization, bad input, links and exits, timers, and spawning.

#include "runtime/process.hpp"

#include <doctest/doctest.h>

#include <memory>

#include "runtime/dispatch.hpp"
#include "runtime/testing/harness.hpp"
#include "tests/runtime/test_processes.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using runtime::address;
using runtime::drop_reason;
using runtime::exit_kind;
using runtime::testing::harness;

namespace {

// Two nodes: `a` runs an echo and a probe, `b` runs a probe.
struct two_nodes {
  harness h{7};
  runtime::node& a = h.add_node(
      "10.0.0.1", 5050, [](runtime::node_config& cfg) { cfg.max_message_size = 4096; });
  runtime::node& b = h.add_node("10.0.0.2", 5051);
  std::shared_ptr<test::process_log> echo_log = std::make_shared<test::process_log>();
  std::shared_ptr<test::process_log> local_log = std::make_shared<test::process_log>();
  std::shared_ptr<test::process_log> remote_log = std::make_shared<test::process_log>();
  address echo = h.spawn<test::echo_process>(a, "echo", echo_log);
  address local_probe = h.spawn<test::probe_process>(a, "probe", local_log);
  address remote_probe = h.spawn<test::probe_process>(b, "probe", remote_log);

  // Runs `fn(probe_process&)` inside the probe at `probe`.
  template <class F>
  void on(const address& probe, F fn) {
    auto& n = a.is_local(probe) ? a : b;
    runtime::dispatch<test::probe_process>(n.find(probe.name()), std::move(fn));
  }
};

std::string serialized_ping(uint64_t sequence, std::size_t payload_size) {
  internal::Ping ping;
  ping.set_sequence(sequence);
  ping.set_payload(std::string(payload_size, 'p'));
  return ping.SerializeAsString();
}

}  // namespace

TEST_CASE_FIXTURE(two_nodes, "a local message is shared, never serialized or copied") {
  auto msg = std::make_shared<internal::Ping>();
  msg->set_sequence(1);
  auto serialized_before = runtime::envelope::serialized_count();
  on(local_probe, [&](test::probe_process& p) { p.ping_shared(echo, msg); });
  h.settle();
  REQUIRE(echo_log->pings() == 1);
  CHECK(echo_log->last_ping() == msg.get());
  REQUIRE(local_log->pongs().size() == 1);
  CHECK(local_log->pongs()[0].from == echo);
  CHECK(runtime::envelope::serialized_count() == serialized_before);
  CHECK(h.network().messages_carried() == 0);
}

TEST_CASE_FIXTURE(two_nodes, "a message to another node is serialized exactly once") {
  auto msg = std::make_shared<internal::Ping>();
  msg->set_sequence(42);
  msg->set_payload("payload");
  auto serialized_before = runtime::envelope::serialized_count();
  on(remote_probe, [&](test::probe_process& p) { p.ping_shared(echo, msg); });
  h.settle();
  REQUIRE(echo_log->pings() == 1);
  CHECK(echo_log->last_ping() != msg.get());
  auto pongs = remote_log->pongs();
  REQUIRE(pongs.size() == 1);
  CHECK(pongs[0].sequence == 42);
  CHECK(pongs[0].payload_size == 7);
  CHECK(pongs[0].from == echo);
  // One serialization for the ping on its way out, one for the pong back.
  CHECK(runtime::envelope::serialized_count() - serialized_before == 2);
  CHECK(h.network().messages_carried() == 2);
}

TEST_CASE_FIXTURE(two_nodes, "messages to one peer arrive in the order sent, batched") {
  on(remote_probe, [&](test::probe_process& p) {
    for (uint64_t i = 1; i <= 50; ++i)
      p.ping(echo, i);
  });
  h.settle();
  auto pongs = remote_log->pongs();
  REQUIRE(pongs.size() == 50);
  for (uint64_t i = 0; i < 50; ++i)
    CHECK(pongs[i].sequence == i + 1);
  // The 50 pings sent in one handler crossed the network as one batch; the
  // pongs came back in as few batches as the echo's bursts allowed.
  CHECK(h.network().messages_carried() < 50);
}

TEST_CASE_FIXTURE(two_nodes, "forward passes the very message on, without a copy") {
  auto relay = h.spawn<test::relay_process>(a, "relay", echo);
  auto msg = std::make_shared<internal::Ping>();
  msg->set_sequence(9);
  on(local_probe, [&](test::probe_process& p) { p.ping_shared(relay, msg); });
  h.settle();
  REQUIRE(echo_log->pings() == 1);
  CHECK(echo_log->last_ping() == msg.get());
  // The relay sent it on as its own message: the echo answered the relay
  // (which has no handler for pongs), not the probe.
  CHECK(local_log->pongs().empty());
  CHECK(a.dropped(drop_reason::unhandled).value() == 1);
}

TEST_CASE_FIXTURE(two_nodes,
                  "bad messages are dropped and counted; the receiver goes on") {
  on(remote_probe, [&](test::probe_process& p) {
    p.raw(echo, "mensa.test.NoSuchMessage", "whatever");
    p.raw(echo, "mensa.internal.Ping", "\xff\xff\xff\xff");
    p.raw(echo, "mensa.internal.Ping", serialized_ping(1, 5000));
    p.raw(echo, "mensa.internal.Pong", serialized_ping(1, 1));
  });
  on(local_probe, [&](test::probe_process& p) {
    p.raw(echo, "mensa.test.NoSuchMessage", "whatever");
  });
  h.settle();
  CHECK(a.dropped(drop_reason::unknown_type).value() == 2);
  CHECK(a.dropped(drop_reason::parse_error).value() == 1);
  CHECK(a.dropped(drop_reason::oversize).value() == 1);
  CHECK(a.dropped(drop_reason::unhandled).value() == 1);
  CHECK(echo_log->pings() == 0);
  on(remote_probe, [&](test::probe_process& p) {
    p.raw(echo, "mensa.internal.Ping", serialized_ping(7, 100));
    p.ping(echo, 8);
  });
  h.settle();
  auto pongs = remote_log->pongs();
  REQUIRE(pongs.size() == 2);
  CHECK(pongs[0].sequence == 7);
  CHECK(pongs[1].sequence == 8);
  auto json = a.metrics().to_json();
  CHECK(json.find("\"runtime/messages_dropped/unknown_type\":2") != std::string::npos);
}

namespace {

// Records, for each Ping, whether it could take the message as its own.
class taker_process : public runtime::process {
 public:
  taker_process(caf::actor_config& cfg, runtime::node& owner, address self,
                std::shared_ptr<std::vector<bool>> unshared)
      : process(cfg, owner, std::move(self)), unshared_(std::move(unshared)) {}

 protected:
  void on_start() override {
    install<internal::Ping>([this](const address&, const internal::Ping& ping) {
      auto* mine = unshared_message<internal::Ping>();
      CHECK(unshared_message<internal::Pong>() == nullptr);
      if (mine != nullptr) {
        CHECK(mine == &ping);
        // Taken apart: its payload moves out, no copy.
        auto payload = std::move(*mine->mutable_payload());
        CHECK(payload == "data");
      }
      unshared_->push_back(mine != nullptr);
    });
  }

 private:
  std::shared_ptr<std::vector<bool>> unshared_;
};

}  // namespace

TEST_CASE_FIXTURE(two_nodes,
                  "a handler may take a message apart when no one else holds it") {
  auto unshared = std::make_shared<std::vector<bool>>();
  auto taker = h.spawn<taker_process>(a, "taker", unshared);
  // Sent by value, locally: the receiver holds the only reference.
  on(local_probe, [&](test::probe_process& p) { p.ping(taker, 1, "data"); });
  h.settle();
  // Shared: the test still holds it, so the handler must copy.
  auto kept = std::make_shared<internal::Ping>();
  kept->set_payload("data");
  on(local_probe, [&](test::probe_process& p) { p.ping_shared(taker, kept); });
  h.settle();
  CHECK(kept->payload() == "data");
  // From another node: parsed anew, so the receiver's own.
  on(remote_probe, [&](test::probe_process& p) { p.ping(taker, 3, "data"); });
  h.settle();
  CHECK(*unshared == std::vector<bool>{true, false, true});
}

TEST_CASE_FIXTURE(two_nodes, "a non-envelope CAF message is dropped and counted") {
  caf::anon_send(a.find("echo"), std::string("not an envelope"));
  h.settle();
  CHECK(a.dropped(drop_reason::unexpected).value() == 1);
  on(local_probe, [&](test::probe_process& p) { p.ping(echo, 1); });
  h.settle();
  CHECK(local_log->pongs().size() == 1);
}

TEST_CASE_FIXTURE(two_nodes, "a linked peer's exit is reported once through exited") {
  on(remote_probe, [&](test::probe_process& p) { p.watch(local_probe); });
  h.settle();
  CHECK(remote_log->exits().empty());
  on(local_probe, [](test::probe_process& p) { p.stop(); });
  h.settle();
  auto exits = remote_log->exits();
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].peer == local_probe);
  CHECK(exits[0].kind == exit_kind::exited);
  CHECK(b.metrics().value("runtime/peer_exits") == 1);
  CHECK(b.metrics().value("runtime/remote_resolutions") == 1);
  CHECK(a.metrics().value("runtime/processes") == 1);
  // The name is free again once the process is gone.
  CHECK(a.find("probe") == caf::actor{});
}

TEST_CASE_FIXTURE(two_nodes, "a partition between nodes reports a lost connection") {
  on(remote_probe, [&](test::probe_process& p) { p.watch(echo); });
  h.settle();
  h.partition(a, b);
  h.settle();
  auto exits = remote_log->exits();
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].peer == echo);
  CHECK(exits[0].kind == exit_kind::connection_lost);
  // While partitioned, new messages cannot be routed.
  on(remote_probe, [&](test::probe_process& p) { p.ping(echo, 1); });
  h.settle();
  CHECK(b.dropped(drop_reason::unroutable).value() == 1);
  CHECK(echo_log->pings() == 0);
  // Healed, the next message finds its way.
  h.heal(a, b);
  on(remote_probe, [&](test::probe_process& p) { p.ping(echo, 2); });
  h.settle();
  REQUIRE(remote_log->pongs().size() == 1);
  CHECK(remote_log->pongs()[0].sequence == 2);
}

TEST_CASE_FIXTURE(two_nodes, "linking to a process that cannot be reached reports it") {
  auto ghost = *address::parse("ghost@10.0.0.1:5050");
  auto nowhere = *address::parse("echo@10.0.0.9:5050");
  on(remote_probe, [&](test::probe_process& p) {
    p.watch(ghost);
    p.watch(nowhere);
    p.ping(ghost, 1);
  });
  h.settle();
  auto exits = remote_log->exits();
  REQUIRE(exits.size() == 2);
  CHECK(exits[0].kind == exit_kind::unreachable);
  CHECK(exits[0].detail.find("no process named 'ghost'") != std::string::npos);
  CHECK(exits[1].kind == exit_kind::unreachable);
  CHECK(exits[1].detail.find("no node listens") != std::string::npos);
  CHECK(b.dropped(drop_reason::unroutable).value() == 1);
}

TEST_CASE_FIXTURE(two_nodes,
                  "a link that fails at once reports it after the handler that "
                  "linked, never inside it") {
  auto ghost = *address::parse("ghost@10.0.0.1:5050");
  std::size_t exits_inside = 99;
  on(local_probe, [&](test::probe_process& p) {
    p.watch(ghost);
    // Still inside the handler that linked: a process must be able to
    // finish what it was doing (admitting an agent, say) first.
    exits_inside = local_log->exits().size();
  });
  h.settle();
  CHECK(exits_inside == 0);
  REQUIRE(local_log->exits().size() == 1);
  CHECK(local_log->exits()[0].kind == exit_kind::unreachable);
}

TEST_CASE_FIXTURE(two_nodes,
                  "a failed link is not reported when a process lives at the address "
                  "again by then") {
  auto late = *address::parse("late@10.0.0.1:5050");
  on(local_probe, [&](test::probe_process& p) {
    p.watch(late);
    // The process comes before the news of the failure is handled, and the
    // probe links to it again.
    h.spawn<test::echo_process>(a, "late", echo_log);
    p.watch(late);
  });
  h.settle();
  CHECK(local_log->exits().empty());
}

TEST_CASE_FIXTURE(two_nodes, "timers run on the simulated clock") {
  runtime::timer_id cancelled = 0;
  on(local_probe, [&](test::probe_process& p) {
    p.after(5s, 1);
    p.after(2s, 2);
    cancelled = p.after_cancellable(3s, 3);
  });
  h.settle();
  on(local_probe, [&](test::probe_process& p) { CHECK(p.cancel_timer(cancelled)); });
  h.advance(1s);
  CHECK(local_log->timers().empty());
  h.advance(1s);
  CHECK(local_log->timers() == std::vector<int>{2});
  h.advance(3s);
  CHECK(local_log->timers() == std::vector<int>{2, 1});
  CHECK(h.elapsed() == 5s);
  on(local_probe, [&](test::probe_process& p) {
    auto since_epoch = p.wall().time_since_epoch();
    // Simulated wall time starts at 2026-01-01T00:00:00Z.
    CHECK(std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count() ==
          1767225600 + 5);
  });
  h.settle();
}

TEST_CASE_FIXTURE(two_nodes,
                  "a held timer cancels itself when replaced, cancelled or destroyed") {
  on(local_probe, [&](test::probe_process& p) {
    p.hold_timer(0, 1s, 1);
    p.hold_timer(0, 2s, 2);  // replaces 1
    p.hold_timer(1, 1s, 3);
    p.held(1).cancel();
    p.hold_timer(2, 3s, 4);
    auto moved = std::move(p.held(2));  // destroyed at the end of this call
    CHECK_FALSE(p.held(2).active());
    CHECK(moved.active());
    p.hold_timer(3, 4s, 5);
    CHECK(p.held(3).active());
  });
  h.advance(5s);
  CHECK(local_log->timers() == std::vector<int>{2, 5});
  on(local_probe, [&](test::probe_process& p) {
    // The fired timers forgot themselves; cancelling again does nothing.
    CHECK_FALSE(p.held(0).active());
    CHECK_FALSE(p.held(3).active());
    p.held(1).cancel();
  });
  h.settle();
}

TEST_CASE_FIXTURE(two_nodes, "process names are validated and unique per node") {
  auto taken = a.spawn<test::echo_process>("echo");
  REQUIRE_FALSE(taken);
  CHECK(taken.error().message.find("already runs") != std::string::npos);
  auto invalid = a.spawn<test::echo_process>("no spaces");
  REQUIRE_FALSE(invalid);
  CHECK(invalid.error().message.find("invalid address") != std::string::npos);
  auto other = b.spawn<test::echo_process>("echo");
  CHECK(other);
}
