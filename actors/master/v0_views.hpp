#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/common/quota_config.hpp"
#include "mensa/v1/master.pb.h"
#include "runtime/http/request.hpp"

namespace mensa::master::v0 {

/// What `/master/state` says about the master itself.
struct master_summary {
  /// This master (id, pid, hostname, port, version).
  v1::MasterInfo info;
  /// The leading master, when one is known.
  std::optional<v1::MasterInfo> leader;
  /// Seconds since the epoch.
  double start_time = 0;
  double elected_time = 0;
  /// How many agents are unreachable.
  std::size_t unreachable_agents = 0;
  /// The master's flags and their values.
  std::vector<std::pair<std::string, std::string>> flags;
};

/// The query of `/master/tasks`: Mesos's `limit` (100 unless given),
/// `offset`, `order` ("asc", or descending by the first status's time),
/// `framework_id` and `task_id`.
struct task_query {
  std::size_t limit = 100;
  std::size_t offset = 0;
  bool ascending = false;
  std::optional<std::string> framework_id;
  std::optional<std::string> task_id;

  /// Reads the query of `request`; a limit or offset that is not a number
  /// is left at its default, as Mesos does.
  static task_query of(const runtime::http::request& request);
};

/// Returns `/master/state`: the master, its agents and frameworks with
/// their tasks, offers and executors.
std::string state(const master_summary& master,
                  const v1::master::Response::GetState& state);

/// Returns `/master/state-summary`: agents and frameworks with their task
/// counts by state and the IDs of each other.
std::string state_summary(const master_summary& master,
                          const v1::master::Response::GetState& state);

/// Returns `/master/frameworks`, only `framework_id` when given.
std::string frameworks(const v1::master::Response::GetState& state,
                       const std::optional<std::string>& framework_id);

/// Returns `/master/slaves`, only `slave_id` when given.
std::string slaves(const v1::master::Response::GetAgents& agents,
                   const std::optional<std::string>& slave_id);

/// Returns `/master/tasks` as `query` asks.
std::string tasks(const v1::master::Response::GetTasks& tasks, const task_query& query);

/// Returns `/master/roles`: each role's weight, quota, resources and
/// frameworks.
std::string roles(const v1::master::Response::GetRoles& roles,
                  const common::quota_configs& quotas);

/// Returns `/master/flags`: `{"flags": {name: value}}`.
std::string flags(const std::vector<std::pair<std::string, std::string>>& flags);

}  // namespace mensa::master::v0
