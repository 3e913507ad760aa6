// Every way an ACCEPT can be wrong: each yields TASK_ERROR, TASK_DROPPED or
// TASK_LOST with a reason and a readable message, and the unused resources
// go back to be offered again.

#include <doctest/doctest.h>

#include "tests/cluster/cluster_fixture.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using test::make_task;

namespace {

// One agent; framework "alpha" (and "beta", when asked) holding offers.
struct accepting {
  explicit accepting(bool partition_aware = false) : c(5) {
    c.add_agent("cpus:4;mem:4096;disk:1000");
    auto info = test::make_framework("alpha");
    if (partition_aware)
      info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::PARTITION_AWARE);
    c.add_framework("alpha", &log, info);
    REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
    offer = log.offers().front();
  }

  // Sends an ACCEPT built by `build` (given the held offer) from "alpha".
  void accept(const std::function<void(v1::scheduler::Call::Accept&)>& build) {
    c.on_framework("alpha", [build](test::test_scheduler& s) {
      v1::scheduler::Call::Accept accept;
      build(accept);
      std::vector<v1::OfferID> ids(accept.offer_ids().begin(),
                                   accept.offer_ids().end());
      std::vector<v1::Offer::Operation> ops(accept.operations().begin(),
                                            accept.operations().end());
      s.accept(ids, ops);
    });
    c.h.settle();
  }

  // A LAUNCH operation with `tasks`.
  static v1::Offer::Operation launch(std::vector<v1::TaskInfo> tasks) {
    v1::Offer::Operation op;
    op.set_type(v1::Offer::Operation::LAUNCH);
    for (auto& t : tasks)
      *op.mutable_launch()->add_task_infos() = t;
    return op;
  }

  // The offers arriving after the filter on unused resources (5 s) passed.
  common::resources reoffered() {
    auto seen = log.offers().size();
    c.h.advance(6s);
    REQUIRE(log.offers().size() > seen);
    return common::resources(log.offers().back().resources());
  }

  void check_error(const std::string& task, const std::string& words) {
    auto status = log.last_update_of(task);
    CHECK(status.state() == v1::TASK_ERROR);
    CHECK(status.reason() == v1::TaskStatus::REASON_TASK_INVALID);
    CHECK(status.source() == v1::TaskStatus::SOURCE_MASTER);
    CHECK_MESSAGE(status.message().find(words) != std::string::npos, status.message());
  }

  test::test_scheduler::journal log;
  test::test_cluster c;
  v1::Offer offer;
};

}  // namespace

TEST_CASE_FIXTURE(accepting, "an unknown offer makes every task TASK_LOST") {
  accept([&](auto& a) {
    a.add_offer_ids()->set_value("no-such-offer");
    *a.add_operations() = launch({make_task("t1", offer, "cpus:1;mem:64", "true")});
  });
  auto status = log.last_update_of("t1");
  CHECK(status.state() == v1::TASK_LOST);
  CHECK(status.reason() == v1::TaskStatus::REASON_INVALID_OFFERS);
  CHECK(status.message().find("no-such-offer is no longer valid") != std::string::npos);
}

TEST_CASE("a partition-aware framework hears TASK_DROPPED for invalid offers") {
  accepting f(true);
  f.accept([&](auto& a) {
    a.add_offer_ids()->set_value("no-such-offer");
    *a.add_operations() =
        accepting::launch({make_task("t1", f.offer, "cpus:1;mem:64", "true")});
  });
  CHECK(f.log.last_update_of("t1").state() == v1::TASK_DROPPED);
}

TEST_CASE_FIXTURE(accepting,
                  "an offer named twice is invalid and its resources return") {
  accept([&](auto& a) {
    *a.add_offer_ids() = offer.id();
    *a.add_offer_ids() = offer.id();
    *a.add_operations() = launch({make_task("t1", offer, "cpus:1;mem:64", "true")});
  });
  CHECK(log.last_update_of("t1").message().find("appears more than once") !=
        std::string::npos);
  CHECK(reoffered().scalar("cpus") == 4);
}

TEST_CASE_FIXTURE(accepting, "another framework's offer cannot be used") {
  test::test_scheduler::journal beta_log;
  c.add_framework("beta", &beta_log);
  c.h.advance(2s);
  // alpha holds the only agent's resources; let it give them to beta.
  c.on_framework("alpha", [](test::test_scheduler& s) {
    v1::Filters filters;
    filters.set_refuse_seconds(100);
    s.decline({s.take_offer().id()}, filters);
  });
  REQUIRE(c.h.run_until([&] { return !beta_log.offers().empty(); }));
  auto beta_offer = beta_log.offers().front();
  accept([&](auto& a) {
    *a.add_offer_ids() = beta_offer.id();
    *a.add_operations() =
        launch({make_task("t1", beta_offer, "cpus:1;mem:64", "true")});
  });
  CHECK(log.last_update_of("t1").message().find("belongs to another framework") !=
        std::string::npos);
  // beta's offer is untouched: beta can still use it.
  c.on_framework("beta", [beta_offer](test::test_scheduler& s) {
    s.launch_tasks(beta_offer.id(),
                   {make_task("b1", beta_offer, "cpus:1;mem:64", "run")});
  });
  REQUIRE(c.h.run_until([&] {
    return !beta_log.states_of("b1").empty() &&
           beta_log.states_of("b1").back() == v1::TASK_RUNNING;
  }));
}

TEST_CASE_FIXTURE(accepting,
                  "invalid tasks fail alone; valid ones in the same accept run") {
  auto good = make_task("good", offer, "cpus:1;mem:64", "run");
  auto empty_id = make_task("", offer, "cpus:1;mem:64", "run");
  auto slash_id = make_task("a/b", offer, "cpus:1;mem:64", "run");
  auto duplicate = make_task("good", offer, "cpus:1;mem:64", "run");
  auto wrong_agent = make_task("wrong-agent", offer, "cpus:1;mem:64", "run");
  wrong_agent.mutable_agent_id()->set_value("another-agent");
  auto no_command = make_task("no-command", offer, "cpus:1;mem:64", "run");
  no_command.clear_command();
  auto both = make_task("both", offer, "cpus:1;mem:64", "run");
  both.mutable_executor()->mutable_executor_id()->set_value("e");
  both.mutable_executor()->mutable_command()->set_value("my-executor");
  auto empty_command = make_task("empty-command", offer, "cpus:1;mem:64", "");
  auto negative = make_task("negative", offer, "cpus:1;mem:64", "run");
  negative.mutable_resources(0)->mutable_scalar()->set_value(-1);
  auto nothing = make_task("nothing", offer, "disk:10", "run");
  auto too_big = make_task("too-big", offer, "cpus:100;mem:64", "run");
  auto wrong_role = make_task("wrong-role", offer, "cpus:1;mem:64", "run");
  wrong_role.mutable_resources(0)->mutable_allocation_info()->set_role("other");
  accept([&](auto& a) {
    *a.add_offer_ids() = offer.id();
    *a.add_operations() =
        launch({good, empty_id, slash_id, duplicate, wrong_agent, no_command, both,
                empty_command, negative, nothing, too_big, wrong_role});
  });
  check_error("", "the task ID is empty");
  check_error("a/b", "contains '/'");
  check_error("wrong-agent", "but the offers are from agent");
  check_error("no-command", "either a command or an executor, not neither");
  check_error("both", "either a command or an executor, not both");
  check_error("empty-command", "has no value to run");
  check_error("negative", "non-negative scalar");
  check_error("nothing", "uses no cpus and no memory");
  check_error("too-big", "needs cpus:100");
  check_error("wrong-role", "allocated to role 'other'");
  // The duplicate of "good" failed; "good" itself runs.
  auto good_states = log.states_of("good");
  REQUIRE(good_states.size() >= 2);
  CHECK(good_states[0] == v1::TASK_ERROR);
  REQUIRE(
      c.h.run_until([&] { return log.states_of("good").back() == v1::TASK_RUNNING; }));
  // What the valid task did not use is offered again.
  auto back = reoffered();
  CHECK(back.scalar("cpus") == 3);
  CHECK(back.scalar("mem") == 4096 - 64);
}

TEST_CASE_FIXTURE(accepting, "a task ID already running cannot be launched again") {
  c.on_framework("alpha", [this](test::test_scheduler& s) {
    s.launch_tasks(s.take_offer().id(),
                   {make_task("t1", offer, "cpus:1;mem:64", "run")});
  });
  REQUIRE(c.h.run_until([&] { return log.states_of("t1").size() == 2; }));
  c.h.advance(6s);
  REQUIRE(log.offers().size() >= 2);
  auto second = log.offers().back();
  accept([&](auto& a) {
    *a.add_offer_ids() = second.id();
    *a.add_operations() = launch({make_task("t1", second, "cpus:1;mem:64", "run")});
  });
  check_error("t1", "already in use");
}

TEST_CASE_FIXTURE(accepting, "an accept without offers is invalid") {
  accept([&](auto& a) {
    *a.add_operations() = launch({make_task("t1", offer, "cpus:1;mem:64", "true")});
  });
  CHECK(log.last_update_of("t1").message().find("no offers given") !=
        std::string::npos);
}
