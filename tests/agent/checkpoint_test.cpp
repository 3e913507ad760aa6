// The agent's checkpoint: what it keeps across restarts of the agent, what
// it forgets once acknowledged, and what it does not keep at all.

#include "actors/agent/checkpoint.hpp"

#include <doctest/doctest.h>

#include "actors/common/resources.hpp"
#include "runtime/testing/temporary_directory.hpp"

using namespace mensa;
using agent::checkpoint;

namespace {

checkpoint recover(const std::string& dir) {
  auto kept = checkpoint::recover(dir);
  REQUIRE_MESSAGE(kept, (kept ? "" : kept.error().message));
  return std::move(*kept);
}

void apply(checkpoint& kept, const internal::CheckpointOperation& op) {
  auto applied = kept.apply(op);
  REQUIRE_MESSAGE(applied, (applied ? "" : applied.error().message));
}

v1::AgentInfo agent_info(const std::string& resources = "cpus:4;mem:1024") {
  v1::AgentInfo info;
  info.mutable_id()->set_value("S1");
  info.set_hostname("host");
  info.set_port(5051);
  common::resources::parse(resources)->copy_to(info.mutable_resources());
  return info;
}

v1::FrameworkInfo framework(const std::string& id, bool checkpointing) {
  v1::FrameworkInfo info;
  info.set_user("tester");
  info.set_name(id);
  info.mutable_id()->set_value(id);
  info.set_checkpoint(checkpointing);
  return info;
}

internal::CheckpointedExecutor executor(const std::string& framework_id,
                                        const std::string& executor_id) {
  internal::CheckpointedExecutor result;
  result.mutable_info()->mutable_executor_id()->set_value(executor_id);
  result.mutable_info()->mutable_framework_id()->set_value(framework_id);
  result.set_container_id("c-" + executor_id);
  result.set_pid(4242);
  result.set_start_time(99);
  return result;
}

v1::TaskGroupInfo group(std::initializer_list<const char*> task_ids) {
  v1::TaskGroupInfo result;
  for (auto* id : task_ids) {
    auto* task = result.add_tasks();
    task->set_name(id);
    task->mutable_task_id()->set_value(id);
    task->mutable_agent_id()->set_value("S1");
  }
  return result;
}

internal::StatusUpdate update(const std::string& framework_id,
                              const std::string& executor_id,
                              const std::string& task_id, v1::TaskState state,
                              const std::string& uuid) {
  internal::StatusUpdate result;
  result.mutable_framework_id()->set_value(framework_id);
  result.mutable_executor_id()->set_value(executor_id);
  result.mutable_status()->mutable_task_id()->set_value(task_id);
  result.mutable_status()->set_state(state);
  result.set_timestamp(1);
  result.set_uuid(uuid);
  return result;
}

v1::FrameworkID framework_id(const std::string& id) {
  v1::FrameworkID result;
  result.set_value(id);
  return result;
}

v1::ExecutorID executor_id(const std::string& id) {
  v1::ExecutorID result;
  result.set_value(id);
  return result;
}

// One checkpointing framework "f" with executor "e" running t1 and t2 (one
// group), t1 RUNNING with its update unacknowledged.
void run_two_tasks(checkpoint& kept) {
  apply(kept, checkpoint::registration(agent_info()));
  apply(kept, checkpoint::framework(framework("f", true)));
  apply(kept, checkpoint::launch(executor("f", "e")));
  apply(kept,
        checkpoint::addition(framework_id("f"), executor_id("e"), group({"t1", "t2"})));
  apply(kept, checkpoint::update(update("f", "e", "t1", v1::TASK_RUNNING, "u1")));
}

}  // namespace

TEST_CASE(
    "a checkpoint keeps the agent, executors, tasks and updates across a restart") {
  auto dir = *runtime::testing::make_temporary_directory("checkpoint");
  {
    auto kept = recover(dir);
    CHECK(kept.persistent());
    CHECK_FALSE(kept.agent_info());
    run_two_tasks(kept);
  }
  auto kept = recover(dir);
  REQUIRE(kept.agent_info());
  CHECK(kept.agent_info()->id().value() == "S1");
  auto state = kept.snapshot();
  REQUIRE(state.frameworks_size() == 1);
  auto& f = state.frameworks(0);
  CHECK(f.info().name() == "f");
  REQUIRE(f.executors_size() == 1);
  auto& e = f.executors(0);
  CHECK(e.container_id() == "c-e");
  CHECK(e.pid() == 4242);
  CHECK(e.start_time() == 99);
  REQUIRE(e.groups_size() == 1);
  REQUIRE(e.tasks_size() == 2);
  CHECK(e.tasks(0).task_id().value() == "t1");
  CHECK(e.tasks(0).state() == v1::TASK_RUNNING);
  CHECK(e.tasks(0).agent_id().value() == "S1");
  CHECK(e.tasks(1).state() == v1::TASK_STAGING);
  REQUIRE(state.updates_size() == 1);
  CHECK(state.updates(0).uuid() == "u1");
}

TEST_CASE("a framework that does not checkpoint leaves nothing behind") {
  auto dir = *runtime::testing::make_temporary_directory("checkpoint");
  {
    auto kept = recover(dir);
    apply(kept, checkpoint::registration(agent_info()));
    apply(kept, checkpoint::framework(framework("g", false)));
    apply(kept, checkpoint::launch(executor("g", "e")));
    apply(kept,
          checkpoint::addition(framework_id("g"), executor_id("e"), group({"t1"})));
    apply(kept, checkpoint::update(update("g", "e", "t1", v1::TASK_RUNNING, "u1")));
    CHECK_FALSE(kept.keeps("g"));
  }
  auto kept = recover(dir);
  CHECK(kept.agent_info());
  CHECK(kept.snapshot().frameworks_size() == 0);
  CHECK(kept.snapshot().updates_size() == 0);
}

TEST_CASE(
    "acknowledged ends are forgotten: the task, then its group, then the framework") {
  auto dir = *runtime::testing::make_temporary_directory("checkpoint");
  auto kept = recover(dir);
  run_two_tasks(kept);
  // A stale acknowledgement changes nothing.
  apply(kept, checkpoint::acknowledgement("f", "t1", "not-the-head"));
  CHECK(kept.snapshot().updates_size() == 1);
  apply(kept, checkpoint::acknowledgement("f", "t1", "u1"));
  apply(kept, checkpoint::update(update("f", "e", "t1", v1::TASK_FINISHED, "u2")));
  apply(kept, checkpoint::acknowledgement("f", "t1", "u2"));
  auto state = kept.snapshot();
  REQUIRE(state.frameworks_size() == 1);
  auto& e = state.frameworks(0).executors(0);
  REQUIRE(e.tasks_size() == 1);
  CHECK(e.tasks(0).task_id().value() == "t2");
  CHECK(e.groups_size() == 1);

  apply(kept, checkpoint::update(update("f", "e", "t2", v1::TASK_FAILED, "u3")));
  apply(kept, checkpoint::end("f", "e", "c-e"));
  // Its executor ended, but an update is still on its way.
  CHECK(kept.keeps("f"));
  apply(kept, checkpoint::acknowledgement("f", "t2", "u3"));
  CHECK_FALSE(kept.keeps("f"));
  auto restarted = recover(dir);
  CHECK(restarted.snapshot().frameworks_size() == 0);
  CHECK(restarted.snapshot().updates_size() == 0);
}

TEST_CASE("compaction keeps the same state, and clearing forgets the agent") {
  auto dir = *runtime::testing::make_temporary_directory("checkpoint");
  std::string before;
  {
    auto kept = recover(dir);
    run_two_tasks(kept);
    // Enough operations to compact several times.
    for (int i = 0; i < 300; ++i) {
      auto uuid = "r" + std::to_string(i);
      apply(kept, checkpoint::update(update("f", "e", "t2", v1::TASK_RUNNING, uuid)));
      apply(kept, checkpoint::acknowledgement("f", "t2", uuid));
    }
    before = kept.snapshot().SerializeAsString();
    CHECK(kept.take_compaction_failure().empty());
  }
  {
    auto kept = recover(dir);
    CHECK(kept.snapshot().SerializeAsString() == before);
    REQUIRE(kept.clear());
  }
  auto kept = recover(dir);
  CHECK_FALSE(kept.agent_info());
  CHECK(kept.snapshot().frameworks_size() == 0);
}

TEST_CASE("a checkpoint hands its identity only to the same agent") {
  auto dir = *runtime::testing::make_temporary_directory("checkpoint");
  auto kept = recover(dir);
  CHECK(kept.admits(agent_info("cpus:8")));  // nothing kept yet
  apply(kept, checkpoint::registration(agent_info()));
  auto now = agent_info();
  now.clear_id();
  CHECK(kept.admits(now));
  auto more = kept.admits(agent_info("cpus:8;mem:1024"));
  REQUIRE_FALSE(more);
  CHECK(more.error().message ==
        "the resources changed from cpus:4;mem:1024 to cpus:8;mem:1024");
  auto moved = agent_info();
  moved.set_port(5052);
  REQUIRE_FALSE(kept.admits(moved));
  CHECK(kept.admits(moved).error().message == "the port changed from 5051 to 5052");
}

TEST_CASE("without a directory a checkpoint keeps nothing") {
  checkpoint kept;
  CHECK_FALSE(kept.persistent());
  run_two_tasks(kept);
  CHECK_FALSE(kept.agent_info());
  CHECK(kept.snapshot().frameworks_size() == 0);
}
