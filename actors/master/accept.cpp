// ACCEPT: the master validates the offers and each task (or task group),
// launches the valid ones on the agent and gives the rest back to the
// allocator. An executor's resources are taken once, when it is launched.

#include <algorithm>
#include <cctype>

#include "actors/common/command_executor.hpp"
#include "actors/common/task_status.hpp"
#include "actors/master/master_process.hpp"

namespace mensa::master {

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

// What one ACCEPT has used so far: what is left of its offers and the task
// IDs it launched.
struct launch_batch {
  std::string agent_id;
  std::string role;
  common::resources available;
  std::set<std::string> task_ids;
};

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
  framework.tasks[task.task_id().value()] = task_record::launched(
      task, executor_id.value(), agent.id, framework.last_task_resources);
  agent.tasks.insert(framework.info.id().value(), task.task_id().value());
}

void master_process::accept(framework_record& framework,
                            const v1::scheduler::Call::Accept& call) {
  auto framework_id = framework.info.id().value();
  auto filters = call.has_filters() ? call.filters() : v1::Filters{};
  auto fail_all_tasks = [&](v1::TaskState state, v1::TaskStatus::Reason reason,
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
  };

  // The offers: live, this framework's, each once, all from one agent.
  std::vector<offer_record> taken;
  std::set<std::string> seen;
  std::string agent_id;
  std::string offer_error = call.offer_ids_size() == 0 ? "no offers given" : "";
  for (auto& offer_id : call.offer_ids()) {
    auto id = offer_id.value();
    if (!seen.insert(id).second) {
      offer_error = "offer " + id + " appears more than once";
      continue;
    }
    auto* offered = offers_.find(id);
    if (offered == nullptr) {
      offer_error = "offer " + id + " is no longer valid";
      continue;
    }
    if (offered->framework_id != framework_id) {
      offer_error = "offer " + id + " belongs to another framework";
      continue;
    }
    if (agent_id.empty())
      agent_id = offered->agent_id;
    else if (agent_id != offered->agent_id)
      offer_error = "the offers are from more than one agent";
    taken.push_back(*offers_.take(id));
  }
  auto* agent = registered_agent(agent_id);
  if (offer_error.empty() && agent == nullptr)
    offer_error = "agent " + agent_id + " is gone";
  if (!offer_error.empty()) {
    fail_all_tasks(framework.partition_aware() ? v1::TASK_DROPPED : v1::TASK_LOST,
                   v1::TaskStatus::REASON_INVALID_OFFERS,
                   "invalid offers: " + offer_error);
    for (auto& offer : taken)
      recover(framework_id, offer.agent_id, offer.resources, filters);
    return;
  }

  launch_batch batch;
  batch.agent_id = agent_id;
  batch.role = taken.front().role;
  for (auto& offer : taken)
    batch.available += offer.resources;
  auto take = [&](const common::resources& needed, const std::string& what) {
    if (batch.available.contains(needed)) {
      batch.available -= needed;
      return std::string{};
    }
    return what + " needs " + needed.to_string() + " but the offers have " +
           batch.available.to_string() + " left";
  };
  // Counts a launched executor (once: a known one stays as it is).
  auto add_executor = [&](const v1::ExecutorInfo& executor,
                          const common::resources& cost) {
    framework.executors[agent_id].emplace(executor.executor_id().value(), cost);
  };
  auto refuse = [&](const v1::TaskInfo& task, v1::TaskStatus::Reason reason,
                    const std::string& why) {
    send_update(framework, common::make_status(task.task_id(), v1::TASK_ERROR,
                                               v1::TaskStatus::SOURCE_MASTER, reason,
                                               wall_seconds(), why));
  };

  // The call's own operations, when no one else holds the message: their
  // tasks move out instead of being copied.
  auto* own_call = unshared_message<v1::scheduler::Call>();
  auto* own_accept = own_call != nullptr && &own_call->accept() == &call
                         ? own_call->mutable_accept()
                         : nullptr;
  for (int i = 0; i < call.operations_size(); ++i) {
    auto& operation = call.operations(i);
    auto* own_operation =
        own_accept != nullptr ? own_accept->mutable_operations(i) : nullptr;
    if (operation.type() == v1::Offer::Operation::LAUNCH) {
      for (int t = 0; t < operation.launch().task_infos_size(); ++t) {
        auto task =
            own_operation != nullptr
                ? std::move(*own_operation->mutable_launch()->mutable_task_infos(t))
                : operation.launch().task_infos(t);
        common::resources task_resources;
        auto why = check_task(framework, task, batch, false, task_resources);
        common::resources cost;
        if (why.empty() && task.has_executor())
          cost = executor_cost(framework, task.executor(), agent_id);
        if (why.empty())
          why = take(task_resources + cost, "the task");
        if (!why.empty()) {
          refuse(task, v1::TaskStatus::REASON_TASK_INVALID, why);
          continue;
        }
        batch.task_ids.insert(task.task_id().value());
        v1::ExecutorID executor_id;
        if (task.has_executor()) {
          executor_id = task.executor().executor_id();
          add_executor(task.executor(), cost);
        } else {
          executor_id = common::command_executor_id(task.task_id());
        }
        start_task(framework, *agent, task, std::move(task_resources), executor_id);
        internal::RunTask run;
        *run.mutable_framework() = framework.info;
        *run.mutable_task() = std::move(task);
        send(agent->process, std::move(run));
      }
      continue;
    }
    if (operation.type() == v1::Offer::Operation::LAUNCH_GROUP) {
      auto executor =
          own_operation != nullptr
              ? std::move(*own_operation->mutable_launch_group()->mutable_executor())
              : operation.launch_group().executor();
      auto group =
          own_operation != nullptr
              ? std::move(*own_operation->mutable_launch_group()->mutable_task_group())
              : operation.launch_group().task_group();
      auto why = group.tasks_size() == 0
                     ? "the task group is empty"
                     : check_group_executor(framework, executor, batch);
      std::set<std::string> ids;
      std::vector<common::resources> tasks_resources(group.tasks_size());
      for (int i = 0; i < group.tasks_size(); ++i) {
        if (!why.empty())
          break;
        auto& task = *group.mutable_tasks(i);
        why = check_task(framework, task, batch, true, tasks_resources[i]);
        if (why.empty() && !ids.insert(task.task_id().value()).second)
          why = "task ID '" + task.task_id().value() + "' appears twice in the group";
        if (!why.empty())
          why = "task " + task.task_id().value() + ": " + why;
      }
      common::resources cost;
      if (why.empty()) {
        cost = executor_cost(framework, executor, agent_id);
        common::resources needed = cost;
        for (auto& resources : tasks_resources)
          needed += resources;
        why = take(needed, "the task group");
      }
      if (!why.empty()) {
        for (auto& task : group.tasks())
          refuse(task, v1::TaskStatus::REASON_TASK_GROUP_INVALID, why);
        continue;
      }
      *executor.mutable_framework_id() = framework.info.id();
      add_executor(executor, cost);
      for (int i = 0; i < group.tasks_size(); ++i) {
        auto& task = group.tasks(i);
        batch.task_ids.insert(task.task_id().value());
        start_task(framework, *agent, task, std::move(tasks_resources[i]),
                   executor.executor_id());
      }
      internal::RunTaskGroup run;
      *run.mutable_framework() = framework.info;
      *run.mutable_executor() = std::move(executor);
      *run.mutable_task_group() = std::move(group);
      send(agent->process, std::move(run));
      continue;
    }
    send_error(framework.scheduler,
               "offer operation " + v1::Offer::Operation::Type_Name(operation.type()) +
                   " is not supported; its resources go back");
  }
  recover(framework_id, agent_id, batch.available, filters);
}

}  // namespace mensa::master
