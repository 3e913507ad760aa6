// ACCEPT: the master validates the offers and each task, launches the valid
// tasks on the agent and gives the rest back to the allocator.

#include <algorithm>
#include <cctype>

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

}  // namespace

void master_process::accept(framework_record& framework,
                            const v1::scheduler::Call::Accept& call) {
  auto framework_id = framework.info.id().value();
  auto filters = call.has_filters() ? call.filters() : v1::Filters{};
  auto fail_all_tasks = [&](v1::TaskState state, v1::TaskStatus::Reason reason,
                            const std::string& why) {
    for (auto& operation : call.operations())
      if (operation.type() == v1::Offer::Operation::LAUNCH)
        for (auto& task : operation.launch().task_infos())
          send_update(framework, common::make_status(task.task_id(), state,
                                                     v1::TaskStatus::SOURCE_MASTER,
                                                     reason, now_seconds(), why));
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
    auto i = offers_.find(id);
    if (i == offers_.end()) {
      offer_error = "offer " + id + " is no longer valid";
      continue;
    }
    if (i->second.offer.framework_id().value() != framework_id) {
      offer_error = "offer " + id + " belongs to another framework";
      continue;
    }
    if (agent_id.empty())
      agent_id = i->second.offer.agent_id().value();
    else if (agent_id != i->second.offer.agent_id().value())
      offer_error = "the offers are from more than one agent";
    taken.push_back(*take_offer(id));
  }
  auto* agent = registered_agent(agent_id);
  if (offer_error.empty() && agent == nullptr)
    offer_error = "agent " + agent_id + " is gone";
  if (!offer_error.empty()) {
    fail_all_tasks(framework.partition_aware() ? v1::TASK_DROPPED : v1::TASK_LOST,
                   v1::TaskStatus::REASON_INVALID_OFFERS,
                   "invalid offers: " + offer_error);
    for (auto& offer : taken)
      recover(framework_id, offer.offer.agent_id().value(),
              common::resources(offer.offer.resources()), filters);
    return;
  }

  common::resources available;
  for (auto& offer : taken)
    available += common::resources(offer.offer.resources());
  auto role = taken.front().offer.allocation_info().role();
  std::set<std::string> launched;
  for (auto& operation : call.operations()) {
    if (operation.type() != v1::Offer::Operation::LAUNCH) {
      send_error(framework.scheduler,
                 "offer operation " +
                     v1::Offer::Operation::Type_Name(operation.type()) +
                     " is not supported; its resources go back");
      continue;
    }
    for (auto task : operation.launch().task_infos()) {
      auto invalid = [&](const std::string& why) {
        send_update(framework, common::make_status(task.task_id(), v1::TASK_ERROR,
                                                   v1::TaskStatus::SOURCE_MASTER,
                                                   v1::TaskStatus::REASON_TASK_INVALID,
                                                   now_seconds(), why));
      };
      auto task_id = task.task_id().value();
      if (auto why = validate_task_id(task_id); !why.empty()) {
        invalid(why);
        continue;
      }
      if (framework.tasks.count(task_id) > 0 || launched.count(task_id) > 0) {
        invalid("task ID '" + task_id + "' is already in use");
        continue;
      }
      if (task.agent_id().value() != agent_id) {
        invalid("the task names agent " + task.agent_id().value() +
                " but the offers are from agent " + agent_id);
        continue;
      }
      if (task.has_command() == task.has_executor()) {
        invalid("a task needs either a command or an executor, not " +
                std::string(task.has_command() ? "both" : "neither"));
        continue;
      }
      auto command_error =
          task.has_command()
              ? validate_command(task.command(), "the task's")
              : (task.executor().executor_id().value().empty()
                     ? "the executor has no ID"
                     : validate_command(task.executor().command(), "the executor's"));
      if (!command_error.empty()) {
        invalid(command_error);
        continue;
      }
      if (auto ok = common::resources::validate(task.resources()); !ok) {
        invalid(ok.error().message);
        continue;
      }
      if (task.has_executor())
        if (auto ok = common::resources::validate(task.executor().resources()); !ok) {
          invalid("executor: " + ok.error().message);
          continue;
        }
      if (auto why = allocate_to(*task.mutable_resources(), role); !why.empty()) {
        invalid(why);
        continue;
      }
      if (task.has_executor())
        if (auto why = allocate_to(*task.mutable_executor()->mutable_resources(), role);
            !why.empty()) {
          invalid("executor: " + why);
          continue;
        }
      common::resources needed(task.resources());
      if (needed.scalar("cpus") <= 0 && needed.scalar("mem") <= 0) {
        invalid("the task uses no cpus and no memory");
        continue;
      }
      if (task.has_executor())
        needed += common::resources(task.executor().resources());
      if (!available.contains(needed)) {
        invalid("the task needs " + needed.to_string() + " but the offers have " +
                available.to_string() + " left");
        continue;
      }
      available -= needed;
      launched.insert(task_id);

      v1::Task record;
      record.set_name(task.name());
      *record.mutable_task_id() = task.task_id();
      *record.mutable_framework_id() = framework.info.id();
      if (task.has_executor())
        *record.mutable_executor_id() = task.executor().executor_id();
      else
        record.mutable_executor_id()->set_value(task_id);
      *record.mutable_agent_id() = task.agent_id();
      record.set_state(v1::TASK_STAGING);
      needed.copy_to(record.mutable_resources());
      if (task.has_labels())
        *record.mutable_labels() = task.labels();
      if (task.has_kill_policy())
        *record.mutable_kill_policy() = task.kill_policy();
      framework.tasks[task_id] = std::move(record);
      agent->tasks.insert({framework_id, task_id});

      internal::RunTask run;
      *run.mutable_framework() = framework.info;
      *run.mutable_task() = std::move(task);
      send(agent->process, std::move(run));
    }
  }
  recover(framework_id, agent_id, available, filters);
}

}  // namespace mensa::master
