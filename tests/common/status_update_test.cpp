// How a task status is stamped on its way from an executor to its
// framework: once at the agent (wrap_status), once at the master
// (stamp_as_sent), and which uuids can name an update.

#include "actors/common/status_update.hpp"

#include <doctest/doctest.h>

#include "actors/common/uuid.hpp"

using namespace mensa;

namespace {

v1::FrameworkID framework_id(const std::string& value) {
  v1::FrameworkID id;
  id.set_value(value);
  return id;
}

v1::ExecutorID executor_id(const std::string& value) {
  v1::ExecutorID id;
  id.set_value(value);
  return id;
}

v1::AgentID agent_id(const std::string& value) {
  v1::AgentID id;
  id.set_value(value);
  return id;
}

v1::TaskStatus running_with(const std::string& uuid) {
  v1::TaskStatus status;
  status.mutable_task_id()->set_value("t1");
  status.set_state(v1::TASK_RUNNING);
  status.set_uuid(uuid);
  return status;
}

}  // namespace

TEST_CASE("only 16 bytes name an update") {
  CHECK(common::names_an_update(common::make_uuid(1, 2)));
  CHECK_FALSE(common::names_an_update(""));
  CHECK_FALSE(common::names_an_update(std::string(15, 'x')));
  CHECK_FALSE(common::names_an_update(std::string(17, 'x')));
}

TEST_CASE(
    "the agent stamps a status with itself, the executor and the time, and the "
    "update repeats them") {
  auto uuid = common::make_uuid(3, 4);
  auto update = common::wrap_status(framework_id("f1"), executor_id("e1"),
                                    agent_id("a1"), running_with(uuid), 1234.5);
  CHECK(update.framework_id().value() == "f1");
  CHECK(update.executor_id().value() == "e1");
  CHECK(update.agent_id().value() == "a1");
  CHECK(update.uuid() == uuid);
  CHECK(update.timestamp() == 1234.5);
  auto& status = update.status();
  CHECK(status.agent_id().value() == "a1");
  CHECK(status.executor_id().value() == "e1");
  CHECK(status.timestamp() == 1234.5);
  CHECK(status.uuid() == uuid);
  CHECK(status.state() == v1::TASK_RUNNING);
}

TEST_CASE("a status that has a time keeps it, and the update carries it") {
  auto status = running_with(common::make_uuid(5, 6));
  status.set_timestamp(99.0);
  auto update = common::wrap_status(framework_id("f1"), executor_id("e1"),
                                    agent_id("a1"), std::move(status), 1234.5);
  CHECK(update.status().timestamp() == 99.0);
  CHECK(update.timestamp() == 99.0);
}

TEST_CASE(
    "the master makes the framework hear the update's uuid and executor and the "
    "agent it came from, whatever the status says") {
  auto uuid = common::make_uuid(7, 8);
  auto update = common::wrap_status(framework_id("f1"), executor_id("e1"),
                                    agent_id("a1"), running_with(uuid), 1.0);
  auto status = update.status();
  status.set_uuid(common::make_uuid(9, 9));
  status.mutable_agent_id()->set_value("someone-else");
  status.mutable_executor_id()->set_value("other-executor");
  common::stamp_as_sent(status, update, agent_id("a1"));
  CHECK(status.uuid() == uuid);
  CHECK(status.agent_id().value() == "a1");
  CHECK(status.executor_id().value() == "e1");
}

TEST_CASE("an update without an executor leaves the status's executor alone") {
  auto update =
      common::wrap_status(framework_id("f1"), executor_id("e1"), agent_id("a1"),
                          running_with(common::make_uuid(1, 1)), 1.0);
  update.clear_executor_id();
  auto status = update.status();
  common::stamp_as_sent(status, update, agent_id("a2"));
  CHECK(status.executor_id().value() == "e1");
  CHECK(status.agent_id().value() == "a2");
}
