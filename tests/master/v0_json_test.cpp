// Mesos's v0 JSON as the master writes it: the forms Mesos tools parse, and
// a document that stays valid JSON whatever bytes a client put in a name.

#include <doctest/doctest.h>

#include <string>

#include "actors/master/v0_json.hpp"
#include "actors/master/v0_views.hpp"

using namespace mensa;

namespace {

std::string task_json(const v1::Task& task) {
  rapidjson::StringBuffer buffer;
  master::v0::json_writer w(buffer);
  master::v0::task(w, task);
  return std::string(buffer.GetString(), buffer.GetSize());
}

v1::Task a_task(const std::string& name) {
  v1::Task task;
  task.set_name(name);
  task.mutable_task_id()->set_value("t1");
  task.mutable_framework_id()->set_value("f1");
  task.mutable_agent_id()->set_value("a1");
  task.set_state(v1::TASK_RUNNING);
  auto* cpus = task.add_resources();
  cpus->set_name("cpus");
  cpus->set_type(v1::Value::SCALAR);
  cpus->mutable_scalar()->set_value(0.5);
  cpus->mutable_allocation_info()->set_role("web");
  auto* ports = task.add_resources();
  ports->set_name("ports");
  ports->set_type(v1::Value::RANGES);
  auto* r = ports->mutable_ranges()->add_range();
  r->set_begin(31001);
  r->set_end(31002);
  r = ports->mutable_ranges()->add_range();
  r->set_begin(31000);
  r->set_end(31000);
  return task;
}

}  // namespace

TEST_CASE("a task renders in Mesos's v0 form") {
  auto json = task_json(a_task("web-1"));
  CHECK(json.find(R"("id":"t1","name":"web-1","framework_id":"f1","executor_id":"",)"
                  R"("slave_id":"a1","state":"TASK_RUNNING")") != std::string::npos);
  // Every summary has cpus, gpus, mem and disk; ranges coalesce into text.
  CHECK(json.find(R"("resources":{"cpus":0.5,"disk":0.0,"gpus":0.0,"mem":0.0,)"
                  R"("ports":"[31000-31002]"})") != std::string::npos);
  CHECK(json.find(R"("role":"web")") != std::string::npos);
}

TEST_CASE("a name that is not valid UTF-8 leaves the document valid") {
  auto json = task_json(a_task(std::string("bad\xff\xfe name \xc3\xa9")));
  CHECK(json.find('\xff') == std::string::npos);
  CHECK(json.find("bad\xEF\xBF\xBD\xEF\xBF\xBD name \xC3\xA9") != std::string::npos);
}

TEST_CASE("tasks past the end or with a huge limit are never read past the list") {
  v1::master::Response::GetTasks tasks;
  *tasks.add_tasks() = a_task("one");
  *tasks.add_tasks() = a_task("two");
  master::v0::task_query query;
  query.offset = 1;
  query.limit = static_cast<std::size_t>(-1);
  auto json = master::v0::tasks(tasks, query);
  CHECK(json.find("\"name\":\"two\"") != std::string::npos);
  CHECK(json.find("\"name\":\"one\"") == std::string::npos);
  query.offset = 5;
  CHECK(master::v0::tasks(tasks, query) == R"({"tasks":[]})");
}
