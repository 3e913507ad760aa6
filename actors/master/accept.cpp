// ACCEPT: the master validates the offers and each task (or task group),
// launches the valid ones on the agent and gives the rest back to the
// allocator. An executor's resources are taken once, when it is launched.

#include <algorithm>
#include <cctype>

#include "actors/common/command_executor.hpp"
#include "actors/common/task_status.hpp"
#include "actors/master/master_process.hpp"

namespace mensa::master {

/// What one ACCEPT has taken and used so far: its offers, what is left of
/// them and the task IDs it launched.
struct launch_batch {
  std::vector<offer_record> offers;
  std::string agent_id;
  std::string role;
  common::resources available;
  std::set<std::string> task_ids;

  /// Takes `needed` from what is left; returns why it cannot (empty if it
  /// could), naming `what` needed it.
  std::string take(const common::resources& needed, const std::string& what) {
    if (available.contains(needed)) {
      available -= needed;
      return {};
    }
    return what + " needs " + needed.to_string() + " but the offers have " +
           available.to_string() + " left";
  }
};

namespace {

std::string validate_task_id(const std::string& id) {
  if (id.empty())
    return "the task ID is empty";
  if (id.size() > 255)
    return "the task ID is longer than 255 characters";
  if (std::any_of(id.begin(), id.end(), [](char c) {
        return c == '/' || c == '\\' || std::iscntrl(static_cast<unsigned char>(c)) ||
               std::isspace(static_cast<unsigned char>(c));
      }))
    return "the task ID '" + id +
           "' contains '/', '\\', whitespace or control characters";
  return {};
}

std::string validate_command(const v1::CommandInfo& command, const char* whose) {
  if (!command.has_value() || command.value().empty())
    return std::string(whose) + " command has no value to run";
  return {};
}

// What mensa cannot give a task or executor that asks for it, said rather
// than dropped: it runs plain processes, so only a MESOS container without
// an image or volumes (the default) passes.
std::string check_container(const v1::ContainerInfo& container, const char* whose) {
  if (container.type() == v1::ContainerInfo::DOCKER)
    return std::string("mensa does not support Docker containers (") + whose +
           " ContainerInfo has type DOCKER)";
  if (container.mesos().has_image())
    return std::string("mensa does not support container images (") + whose +
           " ContainerInfo names an image)";
  if (container.volumes_size() > 0)
    return std::string("mensa does not support volumes (") + whose +
           " ContainerInfo has volumes)";
  return {};
}

// Sets the allocation role of resources that have none; fails for resources
// allocated to another role.
std::string allocate_to(google::protobuf::RepeatedPtrField<v1::Resource>& list,
                        const std::string& role) {
  for (auto& r : list) {
    if (!r.has_allocation_info() || r.allocation_info().role().empty())
      r.mutable_allocation_info()->set_role(role);
    else if (r.allocation_info().role() != role)
      return "resource '" + r.name() + "' is allocated to role '" +
             r.allocation_info().role() + "' but the offers are for role '" + role +
             "'";
  }
  return {};
}

// Returns what is wrong with `task` (empty if nothing), gives its
// resources (and its executor's) the offers' role and puts its own in
// `task_resources`. Tasks of a group run on the group's executor and must bring a
// command.
std::string check_task(const framework_record& framework, v1::TaskInfo& task,
                       const launch_batch& batch, bool in_group,
                       common::resources& task_resources) {
  auto task_id = task.task_id().value();
  if (auto why = validate_task_id(task_id); !why.empty())
    return why;
  if (framework.tasks.count(task_id) > 0 || batch.task_ids.count(task_id) > 0)
    return "task ID '" + task_id + "' is already in use";
  if (task.agent_id().value() != batch.agent_id)
    return "the task names agent " + task.agent_id().value() +
           " but the offers are from agent " + batch.agent_id;
  if (in_group && (task.has_executor() || !task.has_command()))
    return "a task of a group needs a command and no executor of its own";
  if (task.has_command() == task.has_executor())
    return "a task needs either a command or an executor, not " +
           std::string(task.has_command() ? "both" : "neither");
  auto command_error =
      task.has_command()
          ? validate_command(task.command(), "the task's")
          : (task.executor().executor_id().value().empty()
                 ? "the executor has no ID"
                 : validate_command(task.executor().command(), "the executor's"));
  if (!command_error.empty())
    return command_error;
  if (task.has_container())
    if (auto why = check_container(task.container(), "the task's"); !why.empty())
      return why;
  if (task.has_executor() && task.executor().has_container())
    if (auto why = check_container(task.executor().container(), "the executor's");
        !why.empty())
      return why;
  if (task.has_health_check())
    return "mensa does not run health checks (the task has a HealthCheck)";
  if (auto ok = common::resources::validate(task.resources()); !ok)
    return ok.error().message;
  if (task.has_executor())
    if (auto ok = common::resources::validate(task.executor().resources()); !ok)
      return "executor: " + ok.error().message;
  if (auto why = allocate_to(*task.mutable_resources(), batch.role); !why.empty())
    return why;
  if (task.has_executor())
    if (auto why =
            allocate_to(*task.mutable_executor()->mutable_resources(), batch.role);
        !why.empty())
      return "executor: " + why;
  task_resources = common::resources(task.resources());
  if (task_resources.scalar("cpus") <= 0 && task_resources.scalar("mem") <= 0)
    return "the task uses no cpus and no memory";
  return {};
}

// Returns what is wrong with the executor of a task group (empty if
// nothing) and gives its resources the offers' role.
std::string check_group_executor(const framework_record& framework,
                                 v1::ExecutorInfo& executor,
                                 const launch_batch& batch) {
  if (executor.type() != v1::ExecutorInfo::DEFAULT)
    return "a task group needs an executor of type DEFAULT";
  if (executor.executor_id().value().empty())
    return "the executor has no ID";
  if (executor.has_container())
    if (auto why = check_container(executor.container(), "the executor's");
        !why.empty())
      return why;
  if (executor.has_framework_id() &&
      executor.framework_id().value() != framework.info.id().value())
    return "the executor names framework " + executor.framework_id().value();
  if (auto ok = common::resources::validate(executor.resources()); !ok)
    return "executor: " + ok.error().message;
  if (auto why = allocate_to(*executor.mutable_resources(), batch.role); !why.empty())
    return "executor: " + why;
  return {};
}

// Returns the resources `executor` needs from the offers: none when it
// runs on the agent already (or an earlier launch of this ACCEPT started
// it), else its own.
common::resources executor_cost(const framework_record& framework,
                                const v1::ExecutorInfo& executor,
                                const std::string& agent_id) {
  auto on_agent = framework.executors.find(agent_id);
  if (on_agent != framework.executors.end() &&
      on_agent->second.count(executor.executor_id().value()) > 0)
    return {};
  return common::resources(executor.resources());
}

}  // namespace

void master_process::start_task(framework_record& framework, agent_record& agent,
                                const v1::TaskInfo& task, common::resources resources,
                                const v1::ExecutorID& executor_id) {
  if (!framework.last_task_resources || !(*framework.last_task_resources == resources))
    framework.last_task_resources =
        std::make_shared<const common::resources>(std::move(resources));
  auto& record = framework.tasks[task.task_id().value()];
  record = task_record::launched(task, executor_id.value(), agent.id,
                                 framework.last_task_resources);
  agent.tasks.insert(framework.info.id().value(), task.task_id().value());
  publish_task_added(framework, task.task_id().value(), record);
}

void master_process::accept(framework_record& framework,
                            const v1::scheduler::Call::Accept& call) {
  auto framework_id = framework.info.id().value();
  auto filters = call.has_filters() ? call.filters() : v1::Filters{};
  launch_batch batch;
  if (auto why = take_offers(framework, call, batch); !why.empty()) {
    fail_all_tasks(framework, call,
                   framework.partition_aware() ? v1::TASK_DROPPED : v1::TASK_LOST,
                   v1::TaskStatus::REASON_INVALID_OFFERS, "invalid offers: " + why);
    for (auto& offer : batch.offers)
      recover(framework_id, offer.agent_id, offer.resources, filters);
    return;
  }
  auto& agent = *registered_agent(batch.agent_id);

  // The call's own operations, when no one else holds the message: their
  // tasks move out instead of being copied.
  auto* own_call = unshared_message<v1::scheduler::Call>();
  auto* own_accept = own_call != nullptr && &own_call->accept() == &call
                         ? own_call->mutable_accept()
                         : nullptr;
  for (int i = 0; i < call.operations_size(); ++i) {
    auto& operation = call.operations(i);
    auto* own = own_accept != nullptr ? own_accept->mutable_operations(i) : nullptr;
    switch (operation.type()) {
      case v1::Offer::Operation::LAUNCH:
        for (int t = 0; t < operation.launch().task_infos_size(); ++t)
          launch_task(framework, agent, batch,
                      own != nullptr
                          ? std::move(*own->mutable_launch()->mutable_task_infos(t))
                          : operation.launch().task_infos(t));
        break;
      case v1::Offer::Operation::LAUNCH_GROUP:
        launch_group(framework, agent, batch,
                     own != nullptr
                         ? std::move(*own->mutable_launch_group()->mutable_executor())
                         : operation.launch_group().executor(),
                     own != nullptr
                         ? std::move(*own->mutable_launch_group()->mutable_task_group())
                         : operation.launch_group().task_group());
        break;
      default:
        send_error(framework.scheduler,
                   "offer operation " +
                       v1::Offer::Operation::Type_Name(operation.type()) +
                       " is not supported; its resources go back");
    }
  }
  recover(framework_id, batch.agent_id, batch.available, filters);
}

std::string master_process::take_offers(const framework_record& framework,
                                        const v1::scheduler::Call::Accept& call,
                                        launch_batch& batch) {
  std::set<std::string> seen;
  std::string why = call.offer_ids_size() == 0 ? "no offers given" : "";
  for (auto& offer_id : call.offer_ids()) {
    auto id = offer_id.value();
    if (!seen.insert(id).second) {
      why = "offer " + id + " appears more than once";
      continue;
    }
    auto* offered = offers_.find(id);
    if (offered == nullptr) {
      why = "offer " + id + " is no longer valid";
      continue;
    }
    if (offered->framework_id != framework.info.id().value()) {
      why = "offer " + id + " belongs to another framework";
      continue;
    }
    if (batch.agent_id.empty())
      batch.agent_id = offered->agent_id;
    else if (batch.agent_id != offered->agent_id)
      why = "the offers are from more than one agent";
    batch.offers.push_back(*offers_.take(id));
  }
  if (why.empty() && registered_agent(batch.agent_id) == nullptr)
    why = "agent " + batch.agent_id + " is gone";
  if (!why.empty())
    return why;
  batch.role = batch.offers.front().role;
  for (auto& offer : batch.offers)
    batch.available += offer.resources;
  return {};
}

void master_process::fail_all_tasks(framework_record& framework,
                                    const v1::scheduler::Call::Accept& call,
                                    v1::TaskState state, v1::TaskStatus::Reason reason,
                                    const std::string& why) {
  auto fail = [&](const v1::TaskInfo& task) {
    send_update(framework, common::make_status(task.task_id(), state,
                                               v1::TaskStatus::SOURCE_MASTER, reason,
                                               wall_seconds(), why));
  };
  for (auto& operation : call.operations()) {
    if (operation.type() == v1::Offer::Operation::LAUNCH)
      for (auto& task : operation.launch().task_infos())
        fail(task);
    if (operation.type() == v1::Offer::Operation::LAUNCH_GROUP)
      for (auto& task : operation.launch_group().task_group().tasks())
        fail(task);
  }
}

void master_process::refuse_task(framework_record& framework, const v1::TaskInfo& task,
                                 v1::TaskStatus::Reason reason,
                                 const std::string& why) {
  send_update(framework, common::make_status(task.task_id(), v1::TASK_ERROR,
                                             v1::TaskStatus::SOURCE_MASTER, reason,
                                             wall_seconds(), why));
}

void master_process::launch_task(framework_record& framework, agent_record& agent,
                                 launch_batch& batch, v1::TaskInfo task) {
  common::resources task_resources;
  auto why = check_task(framework, task, batch, false, task_resources);
  common::resources executor_resources;
  if (why.empty() && task.has_executor())
    executor_resources = executor_cost(framework, task.executor(), batch.agent_id);
  if (why.empty())
    why = batch.take(task_resources + executor_resources, "the task");
  if (!why.empty()) {
    refuse_task(framework, task, v1::TaskStatus::REASON_TASK_INVALID, why);
    return;
  }
  batch.task_ids.insert(task.task_id().value());
  v1::ExecutorID executor_id;
  if (task.has_executor()) {
    executor_id = task.executor().executor_id();
    // A known executor stays as it is: its resources were counted once.
    framework.executors[batch.agent_id].emplace(executor_id.value(),
                                                executor_resources);
  } else {
    executor_id = common::command_executor_id(task.task_id());
  }
  start_task(framework, agent, task, std::move(task_resources), executor_id);
  internal::RunTask run;
  *run.mutable_framework() = framework.info;
  *run.mutable_task() = std::move(task);
  send(agent.process, std::move(run));
}

void master_process::launch_group(framework_record& framework, agent_record& agent,
                                  launch_batch& batch, v1::ExecutorInfo executor,
                                  v1::TaskGroupInfo group) {
  auto why = group.tasks_size() == 0 ? "the task group is empty"
                                     : check_group_executor(framework, executor, batch);
  std::set<std::string> ids;
  std::vector<common::resources> tasks_resources(group.tasks_size());
  for (int i = 0; i < group.tasks_size() && why.empty(); ++i) {
    auto& task = *group.mutable_tasks(i);
    why = check_task(framework, task, batch, true, tasks_resources[i]);
    if (why.empty() && !ids.insert(task.task_id().value()).second)
      why = "task ID '" + task.task_id().value() + "' appears twice in the group";
    if (!why.empty())
      why = "task " + task.task_id().value() + ": " + why;
  }
  common::resources executor_resources;
  if (why.empty()) {
    executor_resources = executor_cost(framework, executor, batch.agent_id);
    common::resources needed = executor_resources;
    for (auto& resources : tasks_resources)
      needed += resources;
    why = batch.take(needed, "the task group");
  }
  if (!why.empty()) {
    for (auto& task : group.tasks())
      refuse_task(framework, task, v1::TaskStatus::REASON_TASK_GROUP_INVALID, why);
    return;
  }
  *executor.mutable_framework_id() = framework.info.id();
  framework.executors[batch.agent_id].emplace(executor.executor_id().value(),
                                              executor_resources);
  for (int i = 0; i < group.tasks_size(); ++i) {
    auto& task = group.tasks(i);
    batch.task_ids.insert(task.task_id().value());
    start_task(framework, agent, task, std::move(tasks_resources[i]),
               executor.executor_id());
  }
  internal::RunTaskGroup run;
  *run.mutable_framework() = framework.info;
  *run.mutable_executor() = std::move(executor);
  *run.mutable_task_group() = std::move(group);
  send(agent.process, std::move(run));
}

}  // namespace mensa::master
