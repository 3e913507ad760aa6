// A status update the master cannot keep is dropped with a warning, and
// the master goes on: updates from the same agent still reach the
// framework.

#include <doctest/doctest.h>

#include "tests/cluster/cluster_fixture.hpp"

using namespace mensa;

namespace {

// A stand-in agent: registers with the master, then sends the status
// updates the test hands it. It isolates what a real agent never sends.
class hand_agent : public runtime::process {
 public:
  hand_agent(caf::actor_config& cfg, runtime::node& owner, address self, address master)
      : process(cfg, owner, std::move(self)), master_(std::move(master)) {}

  /// Sends an update of task `task_id` of `framework` with `uuid`.
  void send_update(const v1::FrameworkID& framework, const std::string& task_id,
                   const std::string& uuid) {
    internal::StatusUpdate update;
    *update.mutable_framework_id() = framework;
    update.mutable_agent_id()->set_value(agent_id_);
    auto* status = update.mutable_status();
    status->mutable_task_id()->set_value(task_id);
    status->set_state(v1::TASK_RUNNING);
    status->set_uuid(uuid);
    update.set_timestamp(1);
    update.set_uuid(uuid);
    send(master_, std::move(update));
  }

  bool registered() const { return !agent_id_.empty(); }

 protected:
  void on_start() override {
    install(&hand_agent::on_registered);
    internal::RegisterAgent registration;
    registration.mutable_agent_info()->set_hostname("hand");
    common::resources::parse("cpus:1;mem:128")
        ->copy_to(registration.mutable_agent_info()->mutable_resources());
    send(master_, std::move(registration));
  }

 private:
  void on_registered(const address&, const internal::AgentRegistered& msg) {
    agent_id_ = msg.agent_id().value();
  }

  address master_;
  std::string agent_id_;
};

}  // namespace

TEST_CASE("an update whose uuid is not 16 bytes is dropped; the next one arrives") {
  test::test_cluster c;
  test::test_scheduler::journal log;
  c.add_agent("cpus:2;mem:2048");
  c.add_framework("alpha", &log);
  REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
  auto framework = log.offers().front().framework_id();
  auto& hand_node = c.h.add_node("10.0.0.240", 5051);
  c.h.spawn<hand_agent>(hand_node, "agent", c.master_address);
  auto send = [&](const std::string& task_id, const std::string& uuid) {
    runtime::dispatch<hand_agent>(hand_node.find("agent"), [=](hand_agent& a) {
      REQUIRE(a.registered());
      a.send_update(framework, task_id, uuid);
    });
    c.h.settle();
  };
  REQUIRE(c.h.run_until([&] {
    bool done = false;
    runtime::dispatch<hand_agent>(hand_node.find("agent"),
                                  [&](hand_agent& a) { done = a.registered(); });
    c.h.settle();
    return done;
  }));
  send("short", "5byte");
  send("long", std::string(17, 'x'));
  CHECK(log.states_of("short").empty());
  CHECK(log.states_of("long").empty());
  send("right", std::string(16, 'u'));
  CHECK(c.h.run_until([&] { return !log.states_of("right").empty(); }));
}
