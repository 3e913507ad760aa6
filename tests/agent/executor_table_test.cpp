// The agent's executor table: frameworks and executor runs by ID, by
// container and by the process each subscribed from, and the frameworks
// that departed while their last updates are on their way.

#include "actors/agent/executor_table.hpp"

#include <doctest/doctest.h>

using namespace mensa;
using agent::agent_framework;
using agent::executor_state;
using agent::executor_table;

namespace {

runtime::address at(const std::string& text) {
  auto parsed = runtime::address::parse(text);
  REQUIRE(parsed);
  return *parsed;
}

v1::FrameworkInfo framework_info(const std::string& id) {
  v1::FrameworkInfo info;
  info.set_name(id);
  info.mutable_id()->set_value(id);
  return info;
}

v1::ExecutorInfo executor_info(const std::string& framework_id,
                               const std::string& executor_id) {
  v1::ExecutorInfo info;
  info.mutable_executor_id()->set_value(executor_id);
  info.mutable_framework_id()->set_value(framework_id);
  return info;
}

agent_framework& arrived(executor_table& table, const std::string& id) {
  auto& framework = table.arrive(id);
  framework.info = framework_info(id);
  return framework;
}

}  // namespace

TEST_CASE("an executor run is found by its IDs and once by its container") {
  executor_table table;
  auto& f1 = arrived(table, "F1");
  auto& e1 = table.add(f1, executor_info("F1", "E1"), "C1", "/sandbox/E1",
                       executor_state::launching);
  CHECK(e1.container_id == "C1");
  CHECK(e1.sandbox == "/sandbox/E1");
  CHECK(e1.state == executor_state::launching);
  CHECK(table.find("F1") == &f1);
  CHECK(table.find("F2") == nullptr);
  CHECK(table.find("F1", "E1") == executor_table::found{&f1, &e1});
  CHECK(table.find("F1", "E2") == executor_table::found{&f1, nullptr});
  CHECK(table.find("F2", "E1") == executor_table::found{nullptr, nullptr});
  CHECK(table.take_container("C1") == executor_table::found{&f1, &e1});
  // The container ended: it is not found again.
  CHECK(table.take_container("C1") == executor_table::found{nullptr, nullptr});
}

TEST_CASE("a container of an earlier run finds no executor once a new run started") {
  executor_table table;
  auto& f1 = arrived(table, "F1");
  table.add(f1, executor_info("F1", "E1"), "C1", "", executor_state::launching);
  table.erase(f1, "E1");
  auto& again =
      table.add(f1, executor_info("F1", "E1"), "C2", "", executor_state::launching);
  CHECK(table.take_container("C1") == executor_table::found{&f1, nullptr});
  CHECK(table.take_container("C2") == executor_table::found{&f1, &again});
}

TEST_CASE("a subscribed executor is found by its process until its run is erased") {
  executor_table table;
  auto& f1 = arrived(table, "F1");
  auto& e1 =
      table.add(f1, executor_info("F1", "E1"), "C1", "", executor_state::running);
  auto process = at("executor@127.0.0.1:7001");
  CHECK(table.subscribed_at(process) == executor_table::found{nullptr, nullptr});
  table.subscribed(e1, process);
  CHECK(e1.process == process);
  CHECK(table.subscribed_at(process) == executor_table::found{&f1, &e1});
  // Subscribed again from elsewhere: the old process no longer finds it.
  auto moved = at("executor@127.0.0.1:7002");
  table.subscribed(e1, moved);
  CHECK(table.subscribed_at(process) == executor_table::found{nullptr, nullptr});
  CHECK(table.subscribed_at(moved) == executor_table::found{&f1, &e1});
  table.erase(f1, "E1");
  CHECK(table.subscribed_at(moved) == executor_table::found{nullptr, nullptr});
  CHECK(table.find("F1", "E1").second == nullptr);
}

TEST_CASE(
    "a framework with no executor left departs, keeping its info, and comes "
    "back as a new record") {
  executor_table table;
  auto& f1 = arrived(table, "F1");
  table.add(f1, executor_info("F1", "E1"), "C1", "", executor_state::running);
  CHECK_FALSE(table.forget_if_idle("F1"));
  CHECK(table.departed("F1") == nullptr);
  table.erase(f1, "E1");
  CHECK(table.forget_if_idle("F1"));
  CHECK(table.find("F1") == nullptr);
  REQUIRE(table.departed("F1") != nullptr);
  CHECK(table.departed("F1")->name() == "F1");
  CHECK(table.frameworks().empty());
  auto& back = table.arrive("F1");
  CHECK_FALSE(back.info.has_id());
  CHECK(table.departed("F1") == nullptr);
}

TEST_CASE("a framework that is shut down is no longer departed") {
  executor_table table;
  arrived(table, "F1");
  CHECK(table.forget_if_idle("F1"));
  CHECK(table.departed("F1") != nullptr);
  table.forget_departed("F1");
  CHECK(table.departed("F1") == nullptr);
  CHECK_FALSE(table.forget_if_idle("F1"));
}

TEST_CASE("a record stays put while other frameworks and executors come and go") {
  executor_table table;
  auto& f1 = arrived(table, "F1");
  auto& e1 =
      table.add(f1, executor_info("F1", "E1"), "C1", "", executor_state::running);
  for (int i = 0; i < 100; ++i) {
    auto id = "F" + std::to_string(i + 2);
    auto& other = arrived(table, id);
    table.add(other, executor_info(id, "E"), "C" + id, "", executor_state::running);
    table.add(f1, executor_info("F1", "X" + std::to_string(i)),
              "CX" + std::to_string(i), "", executor_state::running);
  }
  CHECK(table.find("F1", "E1") == executor_table::found{&f1, &e1});
  CHECK(e1.container_id == "C1");
  CHECK(table.frameworks().size() == 101);
}
