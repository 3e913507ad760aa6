// The master's compact task record: what it keeps of a task gives back
// the whole task.

#include "actors/master/task_record.hpp"

#include <doctest/doctest.h>
#include <google/protobuf/util/message_differencer.h>

using namespace mensa;
using master::task_record;

namespace {

v1::FrameworkID framework_id() {
  v1::FrameworkID id;
  id.set_value("framework-1");
  return id;
}

std::shared_ptr<const v1::AgentID> agent_id() {
  auto id = std::make_shared<v1::AgentID>();
  id->set_value("agent-S1");
  return id;
}

v1::TaskInfo task_info() {
  v1::TaskInfo task;
  task.set_name("web");
  task.mutable_task_id()->set_value("t1");
  task.mutable_agent_id()->set_value("agent-S1");
  auto* cpus = task.add_resources();
  cpus->set_name("cpus");
  cpus->set_type(v1::Value::SCALAR);
  cpus->mutable_scalar()->set_value(1);
  return task;
}

}  // namespace

TEST_CASE("a launched task's record gives back its name, IDs, resources and details") {
  auto info = task_info();
  auto* label = info.mutable_labels()->add_labels();
  label->set_key("tier");
  label->set_value("front");
  info.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(5);
  auto resources = std::make_shared<const common::resources>(info.resources());
  auto record = task_record::launched(info, "executor-1", agent_id(), resources);
  CHECK(record.resources == resources);
  auto task = record.to_task("t1", framework_id());
  CHECK(task.name() == "web");
  CHECK(task.task_id().value() == "t1");
  CHECK(task.framework_id().value() == "framework-1");
  CHECK(task.agent_id().value() == "agent-S1");
  CHECK(task.executor_id().value() == "executor-1");
  CHECK(task.state() == v1::TASK_STAGING);
  CHECK(common::resources(task.resources()) == common::resources(info.resources()));
  CHECK(task.labels().labels(0).value() == "front");
  CHECK(task.kill_policy().grace_period().nanoseconds() == 5);
  CHECK_FALSE(task.has_status_update_state());
}

TEST_CASE("a plain task's record keeps no details") {
  auto record = task_record::launched(
      task_info(), "t1", agent_id(),
      std::make_shared<const common::resources>(task_info().resources()));
  CHECK(record.details == nullptr);
}

TEST_CASE("a reported task's record gives back the task the agent reported") {
  v1::Task reported;
  reported.set_name("web");
  reported.mutable_task_id()->set_value("t1");
  *reported.mutable_framework_id() = framework_id();
  reported.mutable_agent_id()->set_value("agent-S1");
  reported.mutable_executor_id()->set_value("executor-1");
  *reported.mutable_resources() = task_info().resources();
  reported.set_state(v1::TASK_RUNNING);
  reported.set_status_update_state(v1::TASK_RUNNING);
  reported.set_status_update_uuid("uuid-2");
  auto* status = reported.add_statuses();
  status->mutable_task_id()->set_value("t1");
  status->set_state(v1::TASK_RUNNING);
  status->set_uuid("uuid-2");
  reported.set_user("alice");
  auto record = task_record::reported(reported, agent_id());
  CHECK(record.seen("uuid-2"));
  CHECK_FALSE(record.seen("uuid-3"));
  REQUIRE(record.details != nullptr);
  CHECK(record.details->user() == "alice");
  CHECK_FALSE(record.details->has_task_id());
  auto back = record.to_task("t1", framework_id());
  std::string difference;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&difference);
  CHECK_MESSAGE(differ.Compare(reported, back), difference);
}
