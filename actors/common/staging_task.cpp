#include "actors/common/staging_task.hpp"

namespace mensa::common {

v1::Task staging_task(const v1::TaskInfo& task, const v1::FrameworkID& framework,
                      const v1::ExecutorID& executor, const v1::AgentID& agent) {
  v1::Task record;
  record.set_name(task.name());
  *record.mutable_task_id() = task.task_id();
  *record.mutable_framework_id() = framework;
  *record.mutable_executor_id() = executor;
  *record.mutable_agent_id() = agent;
  record.set_state(v1::TASK_STAGING);
  *record.mutable_resources() = task.resources();
  if (task.has_labels())
    *record.mutable_labels() = task.labels();
  if (task.has_kill_policy())
    *record.mutable_kill_policy() = task.kill_policy();
  return record;
}

}  // namespace mensa::common
