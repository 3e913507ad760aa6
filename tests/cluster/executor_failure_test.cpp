// What frameworks hear when executors fail: one that dies, one that never
// subscribes, one that ends before it subscribes.

#include <doctest/doctest.h>

#include <memory>

#include "tests/cluster/cluster_fixture.hpp"
#include "tests/cluster/running_task.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using test::running_task;

namespace {

// A containerizer whose containers never start an executor; the test ends
// them (`end`) or the agent destroys them.
struct silent_containers {
  agent::containerizer::termination_callback done;
  std::vector<std::string> launched;
};

std::function<void(agent::agent_options&)> with_silent_containers(
    std::shared_ptr<silent_containers> state, caf::timespan registration_timeout) {
  return [state, registration_timeout](agent::agent_options& options) {
    options.executor_registration_timeout = registration_timeout;
    options.containerizer = [state](agent::containerizer::termination_callback done) {
      struct silent : agent::containerizer {
        explicit silent(std::shared_ptr<silent_containers> s) : state(std::move(s)) {}
        runtime::expected<agent::container_process> launch(
            const agent::container_spec& spec) override {
          state->launched.push_back(spec.container_id);
          return agent::container_process{};
        }
        runtime::expected<void> recover(const std::string&,
                                        const agent::container_process&) override {
          return runtime::failure{"nothing to recover"};
        }
        void destroy(const std::string& id) override { state->done({id, 9, "killed"}); }
        std::shared_ptr<silent_containers> state;
      };
      state->done = std::move(done);
      return std::make_unique<silent>(state);
    };
  };
}

}  // namespace

TEST_CASE_FIXTURE(running_task, "an executor that dies fails its task") {
  REQUIRE(reaches(v1::TASK_RUNNING));
  std::string container;
  c.inspect_agent(0, [&](agent::agent_process& a) {
    container = a.frameworks().begin()->second.executors.begin()->second.container_id;
  });
  caf::anon_send_exit(c.agent_nodes[0]->find("executor-" + container),
                      caf::exit_reason::kill);
  REQUIRE(reaches(v1::TASK_FAILED));
  auto status = log.last_update_of("t1");
  CHECK(status.reason() == v1::TaskStatus::REASON_EXECUTOR_TERMINATED);
  CHECK(status.source() == v1::TaskStatus::SOURCE_AGENT);
  REQUIRE(log.failures().size() == 1);
  CHECK(log.failures()[0].executor_id().value() == "t1");
}

TEST_CASE("an executor that never subscribes times out and fails its task") {
  running_task f(test::make_framework("alpha"),
                 with_silent_containers(std::make_shared<silent_containers>(), 30s));
  f.c.h.advance(29s);
  CHECK(f.log.states_of("t1").empty());
  f.c.h.advance(1s);
  REQUIRE(f.reaches(v1::TASK_FAILED));
  CHECK(f.log.last_update_of("t1").reason() ==
        v1::TaskStatus::REASON_EXECUTOR_REGISTRATION_TIMEOUT);
}

TEST_CASE("an executor that ends before it subscribes fails the task it waited for") {
  auto containers = std::make_shared<silent_containers>();
  running_task f(test::make_framework("alpha"),
                 with_silent_containers(containers, 30s));
  f.c.h.settle();
  REQUIRE(containers->launched.size() == 1);
  CHECK(f.log.states_of("t1").empty());
  f.c.inspect_agent(0, [&](agent::agent_process&) {
    containers->done({containers->launched.front(), 1, "exited with status 1"});
  });
  REQUIRE(f.reaches(v1::TASK_FAILED));
  auto status = f.log.last_update_of("t1");
  CHECK(status.reason() == v1::TaskStatus::REASON_EXECUTOR_TERMINATED);
  CHECK_MESSAGE(status.message().find("before it subscribed") != std::string::npos,
                status.message());
}
