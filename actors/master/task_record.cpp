#include "actors/master/task_record.hpp"

#include <algorithm>

#include "actors/master/set_fields.hpp"

namespace mensa::master {

task_record task_record::launched(const v1::TaskInfo& task, std::string executor_id,
                                  std::shared_ptr<const v1::AgentID> agent_id,
                                  std::shared_ptr<const common::resources> resources) {
  task_record record;
  record.name = task.name();
  record.agent_id = std::move(agent_id);
  record.executor_id = std::move(executor_id);
  record.resources = std::move(resources);
  if (task.has_labels() || task.has_kill_policy()) {
    auto details = std::make_shared<v1::Task>();
    if (task.has_labels())
      *details->mutable_labels() = task.labels();
    if (task.has_kill_policy())
      *details->mutable_kill_policy() = task.kill_policy();
    record.details = std::move(details);
  }
  return record;
}

task_record task_record::reported(v1::Task task,
                                  std::shared_ptr<const v1::AgentID> agent_id) {
  task_record record;
  record.name = task.name();
  record.agent_id = std::move(agent_id);
  record.executor_id = task.executor_id().value();
  record.resources = std::make_shared<const common::resources>(task.resources());
  record.state = task.state();
  record.has_status_update = task.has_status_update_state();
  record.status_update_state = task.status_update_state();
  if (to_uuid_bytes(task.status_update_uuid(), record.status_update_uuid)) {
    record.has_status_update_uuid = true;
    task.clear_status_update_uuid();
  }
  for (auto& status : *task.mutable_statuses())
    record.statuses.push_back(kept_status::whole(std::move(status)));
  task.clear_name();
  task.clear_task_id();
  task.clear_framework_id();
  task.clear_agent_id();
  task.clear_executor_id();
  task.clear_resources();
  task.clear_state();
  task.clear_status_update_state();
  task.clear_statuses();
  record.details = copy_of_set_fields(task);
  return record;
}

bool task_record::seen(const std::string& uuid) const {
  return std::any_of(statuses.begin(), statuses.end(),
                     [&](auto& earlier) { return earlier.has_uuid_equal_to(uuid); });
}

v1::Task task_record::to_task(const std::string& task_id,
                              const v1::FrameworkID& framework) const {
  v1::Task task;
  if (details)
    task = *details;
  task.set_name(name);
  task.mutable_task_id()->set_value(task_id);
  *task.mutable_framework_id() = framework;
  *task.mutable_agent_id() = *agent_id;
  if (!executor_id.empty())
    task.mutable_executor_id()->set_value(executor_id);
  if (resources)
    resources->copy_to(task.mutable_resources());
  task.set_state(state);
  if (has_status_update)
    task.set_status_update_state(status_update_state);
  if (has_status_update_uuid)
    task.set_status_update_uuid(uuid_text(status_update_uuid));
  for (auto& status : statuses) {
    auto* added = task.add_statuses();
    *added = status.to_status();
    added->mutable_task_id()->set_value(task_id);
  }
  return task;
}

}  // namespace mensa::master
