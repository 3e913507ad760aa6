#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actors/common/resources.hpp"
#include "actors/master/kept_status.hpp"
#include "mensa/v1/mensa.pb.h"

namespace mensa::master {

/// The master's record of one live task. Every running task costs the
/// master one, so it keeps apart only what the master decides by (state,
/// the uuids of its updates, its agent, what it holds) and shares what
/// tasks have in common: their agent's ID and, for tasks of one shape,
/// their resources. Whatever else a task carries (labels, kill policy, and
/// more from an agent's report) stays in `details`, null when there is
/// none. `to_task` gives the whole `v1::Task`.
struct task_record {
  std::string name;
  /// The agent it runs on; shared with the agent's record.
  std::shared_ptr<const v1::AgentID> agent_id;
  std::string executor_id;
  /// What it holds; shared with tasks of the same resources.
  std::shared_ptr<const common::resources> resources;
  v1::TaskState state = v1::TASK_STAGING;
  /// The state and uuid of the last status update it had (none before).
  bool has_status_update = false;
  v1::TaskState status_update_state = v1::TASK_STAGING;
  /// Set when `status_update_uuid` holds the uuid; one not 16 bytes long
  /// (from an agent's report) stays in `details`.
  bool has_status_update_uuid = false;
  uuid_bytes status_update_uuid{};
  /// Its latest statuses, oldest first.
  std::vector<kept_status> statuses;
  /// The rest of the task: none of the fields above are set in it.
  std::shared_ptr<const v1::Task> details;

  /// The record of a task launched on `agent_id` by `executor_id`.
  static task_record launched(const v1::TaskInfo& task, std::string executor_id,
                              std::shared_ptr<const v1::AgentID> agent_id,
                              std::shared_ptr<const common::resources> resources);

  /// The record of a task an agent reported.
  static task_record reported(v1::Task task,
                              std::shared_ptr<const v1::AgentID> agent_id);

  /// Returns the ID of its agent.
  const std::string& agent() const noexcept { return agent_id->value(); }

  /// Returns whether it had a status update with `uuid`.
  bool seen(const std::string& uuid) const;

  /// Returns it whole, as Mesos describes a task.
  v1::Task to_task(const std::string& task_id, const v1::FrameworkID& framework) const;
};

}  // namespace mensa::master
