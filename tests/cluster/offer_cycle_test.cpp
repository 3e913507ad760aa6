// Subscribing, offers, launching a task and its updates, on the harness.

#include <doctest/doctest.h>

#include "tests/cluster/cluster_fixture.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using test::make_task;

TEST_CASE("a framework subscribes, gets an offer, runs a task to the end") {
  test::test_cluster c;
  c.add_agent("cpus:4;mem:4096;disk:1000;ports:[31000-32000]");
  test::test_scheduler::journal log;
  c.add_framework("alpha", &log);
  REQUIRE(c.h.run_until([&] { return !log.offers.empty(); }));
  CHECK(log.subscriptions == 1);
  auto offer = log.offers.front();
  common::resources offered(offer.resources());
  CHECK(offered.scalar("cpus") == 4);
  CHECK(offered.scalar("mem") == 4096);
  CHECK(offer.allocation_info().role() == "*");

  c.on_framework("alpha", [](test::test_scheduler& s) {
    auto o = s.take_offer();
    s.launch_tasks(o.id(), {make_task("t1", o, "cpus:1;mem:128", "sleep 10")});
  });
  REQUIRE(c.h.run_until([&] { return log.states_of("t1").size() == 2; }));
  CHECK(log.states_of("t1") ==
        std::vector<v1::TaskState>{v1::TASK_STARTING, v1::TASK_RUNNING});
  c.h.advance(10s);
  REQUIRE(c.h.run_until([&] { return log.states_of("t1").size() == 3; }));
  CHECK(log.states_of("t1").back() == v1::TASK_FINISHED);
  c.h.settle();
  // Every update was acknowledged: nothing is left to retry.
  c.inspect_agent(0,
                  [](agent::agent_process& a) { CHECK(a.updates().streams() == 0); });
  c.inspect_master([](master::master_process& m) {
    auto& framework = m.frameworks().begin()->second;
    CHECK(framework.tasks.empty());
    REQUIRE(framework.completed_tasks.size() == 1);
    CHECK(framework.completed_tasks.back().state() == v1::TASK_FINISHED);
  });
}
