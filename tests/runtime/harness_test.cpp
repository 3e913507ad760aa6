// The deterministic harness itself: seeded delivery order, message rules
// (drop, hold, delay, expect), and flow control under a slow receiver.

#include "runtime/testing/harness.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "runtime/dispatch.hpp"
#include "tests/runtime/test_processes.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using runtime::address;
using runtime::testing::anyone;
using runtime::testing::delivery;
using runtime::testing::harness;

namespace {

// Three nodes, each with an echo and a probe; every probe pings every echo
// five times at once. Returns the order of deliveries.
std::vector<delivery> busy_cluster_trace(uint64_t seed) {
  harness h(seed);
  std::vector<runtime::node*> nodes;
  std::vector<address> echoes;
  std::vector<address> probes;
  for (uint16_t i = 0; i < 3; ++i) {
    auto& n = h.add_node("10.0.1." + std::to_string(i + 1), 5050);
    nodes.push_back(&n);
    echoes.push_back(h.spawn<test::echo_process>(n, "echo"));
    probes.push_back(h.spawn<test::probe_process>(
        n, "probe", std::make_shared<test::process_log>()));
  }
  for (std::size_t i = 0; i < probes.size(); ++i)
    runtime::dispatch<test::probe_process>(nodes[i]->find("probe"),
                                           [&](test::probe_process& p) {
                                             for (auto& echo : echoes)
                                               for (uint64_t k = 1; k <= 5; ++k)
                                                 p.ping(echo, k);
                                           });
  h.settle();
  return h.trace();
}

struct pair_of_nodes {
  harness h{11};
  runtime::node& a = h.add_node("10.0.0.1", 5050);
  runtime::node& b = h.add_node(
      "10.0.0.2", 5051, [](runtime::node_config& cfg) { cfg.flow_window = 10; });
  std::shared_ptr<test::process_log> echo_log = std::make_shared<test::process_log>();
  std::shared_ptr<test::process_log> probe_log = std::make_shared<test::process_log>();
  address echo = h.spawn<test::echo_process>(a, "echo", echo_log);
  address probe = h.spawn<test::probe_process>(b, "probe", probe_log);

  template <class F>
  void on_probe(F fn) {
    runtime::dispatch<test::probe_process>(b.find("probe"), std::move(fn));
  }
};

}  // namespace

TEST_CASE("the same seed gives the same delivery order, another seed another") {
  auto first = busy_cluster_trace(1);
  auto again = busy_cluster_trace(1);
  auto other = busy_cluster_trace(2);
  // 3 probes x 3 echoes x 5 pings, each answered.
  CHECK(first.size() == 90);
  CHECK(first == again);
  CHECK(first.size() == other.size());
  CHECK(first != other);
}

TEST_CASE_FIXTURE(pair_of_nodes, "a rule drops the chosen message and only it") {
  auto dropped = h.drop_next<internal::Ping>(probe, echo);
  on_probe([&](test::probe_process& p) {
    p.ping(echo, 1);
    p.ping(echo, 2);
  });
  h.settle();
  CHECK(dropped.ready());
  CHECK(dropped.get().sequence() == 1);
  auto pongs = probe_log->pongs();
  REQUIRE(pongs.size() == 1);
  CHECK(pongs[0].sequence == 2);
  CHECK(a.dropped(runtime::drop_reason::filtered).value() == 1);
}

TEST_CASE_FIXTURE(pair_of_nodes,
                  "a test can await the next message of a type between two processes") {
  auto pong = h.expect_next<internal::Pong>(echo, probe);
  on_probe([&](test::probe_process& p) { p.ping(echo, 5, "hello"); });
  REQUIRE(h.run_until(pong));
  CHECK(pong.get().sequence() == 5);
  CHECK(pong.get().payload() == "hello");
  CHECK(pong.from() == echo);
  CHECK(pong.to() == probe);
  // Observing does not hold the message back.
  h.settle();
  CHECK(probe_log->pongs().size() == 1);
}

TEST_CASE_FIXTURE(pair_of_nodes, "a held message waits until released") {
  auto held = h.hold_next<internal::Ping>(anyone, echo);
  on_probe([&](test::probe_process& p) { p.ping(echo, 1); });
  h.settle();
  CHECK(held.ready());
  CHECK(echo_log->pings() == 0);
  CHECK(held.release());
  CHECK_FALSE(held.release());
  h.settle();
  CHECK(echo_log->pings() == 1);
  CHECK(probe_log->pongs().size() == 1);
}

TEST_CASE_FIXTURE(pair_of_nodes,
                  "a delayed message arrives after the delay of simulated time") {
  h.delay_next<internal::Ping>(probe, echo, 3s);
  on_probe([&](test::probe_process& p) { p.ping(echo, 1); });
  h.settle();
  CHECK(echo_log->pings() == 0);
  h.advance(2s);
  CHECK(echo_log->pings() == 0);
  h.advance(1s);
  CHECK(echo_log->pings() == 1);
  // The answer goes back to the sender over the network, even though the
  // delayed message reached the echo from its own mailbox.
  h.settle();
  REQUIRE(probe_log->pongs().size() == 1);
  CHECK(probe_log->pongs()[0].sequence == 1);
}

TEST_CASE_FIXTURE(pair_of_nodes,
                  "a duplicated message arrives now and once more after the delay") {
  h.duplicate_next<internal::Ping>(probe, echo, 2s);
  on_probe([&](test::probe_process& p) { p.ping(echo, 7); });
  h.settle();
  CHECK(echo_log->pings() == 1);
  h.advance(2s);
  h.settle();
  CHECK(echo_log->pings() == 2);
  REQUIRE(probe_log->pongs().size() == 2);
  CHECK(probe_log->pongs()[1].sequence == 7);
  h.advance(10s);
  CHECK(echo_log->pings() == 2);
}

TEST_CASE_FIXTURE(pair_of_nodes,
                  "a delayed message whose sender ended meanwhile is dropped") {
  on_probe([&](test::probe_process& p) { p.ping(echo, 1); });
  h.settle();
  REQUIRE(echo_log->pings() == 1);  // the echo knows the probe now
  h.delay_next<internal::Ping>(probe, echo, 3s);
  on_probe([&](test::probe_process& p) { p.ping(echo, 2); });
  h.settle();
  caf::anon_send_exit(b.find("probe"), caf::exit_reason::kill);
  h.settle();
  h.advance(5s);
  // Over a connection it would have arrived before the news of the end.
  CHECK(echo_log->pings() == 1);
  CHECK(a.dropped(runtime::drop_reason::stale_sender).value() == 1);
}

TEST_CASE_FIXTURE(pair_of_nodes,
                  "a window bounds the messages in flight to a slow receiver") {
  // Hold the receiver's first two acknowledgements: the sender must stop at
  // its window of 10 however many messages it has to send.
  auto first_ack = h.hold_next<internal::FlowAck>(echo, probe);
  auto second_ack = h.hold_next<internal::FlowAck>(echo, probe);
  on_probe([&](test::probe_process& p) { p.stream_pings(echo, 100); });
  h.settle();
  CHECK(echo_log->pings() == 10);
  on_probe([&](test::probe_process& p) {
    CHECK(p.in_flight(echo) == 10);
    CHECK_FALSE(p.ping_windowed(echo, 999));
  });
  h.settle();
  CHECK(first_ack.ready());
  CHECK(second_ack.ready());
  // The second acknowledgement covers all ten; the stream runs to the end.
  CHECK(second_ack.release());
  h.settle();
  CHECK(echo_log->pings() == 100);
  auto pongs = probe_log->pongs();
  REQUIRE(pongs.size() == 100);
  CHECK(pongs.back().sequence == 100);
  CHECK(first_ack.discard());
}

namespace {

// Starts and cancels timers on request and records which fired, in order.
class timer_process : public runtime::process {
 public:
  using process::process;

  runtime::timer_id start(caf::timespan d, const std::string& label) {
    return delay(d, [this, label] {
      fired.push_back(label);
      if (label == "chain")
        delay(0s, [this] { fired.push_back("chained"); });
    });
  }

  using process::cancel;

  std::vector<std::string> fired;

 protected:
  void on_start() override {}
};

}  // namespace

TEST_CASE("timers fire in deadline order on simulated time; cancelled ones never") {
  harness h(3);
  auto& n = h.add_node("10.0.0.1", 5050);
  h.spawn<timer_process>(n, "timers");
  std::vector<std::string> fired;
  runtime::timer_id early = 0;
  auto with_timers = [&](auto fn) {
    runtime::dispatch<timer_process>(n.find("timers"), fn);
    h.settle();
  };
  with_timers([&](timer_process& p) {
    p.start(10s, "late");
    early = p.start(2s, "early");  // earlier than the deadline already scheduled
    for (int k = 0; k < 100; ++k)
      p.cancel(p.start(1s, "cancelled"));
    p.start(2s, "early-too");
    p.start(5s, "chain");
  });
  h.advance(1s);
  with_timers([&](timer_process& p) { CHECK(p.fired.empty()); });
  h.advance(1s);
  with_timers([&](timer_process& p) {
    CHECK(p.fired == std::vector<std::string>{"early", "early-too"});
    CHECK_FALSE(p.cancel(early));  // a fired timer is gone
  });
  h.advance(3s);
  with_timers([&](timer_process& p) {
    CHECK(p.fired ==
          std::vector<std::string>{"early", "early-too", "chain", "chained"});
  });
  h.advance(5s);
  with_timers([&](timer_process& p) { fired = p.fired; });
  CHECK(fired.back() == "late");
  CHECK(fired.size() == 5);
}
