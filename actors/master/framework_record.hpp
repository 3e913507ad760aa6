#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>

#include "actors/common/framework_info.hpp"
#include "actors/common/resources.hpp"
#include "actors/common/task_states.hpp"
#include "actors/master/framework_state.hpp"
#include "actors/master/task_record.hpp"
#include "mensa/v1/mensa.pb.h"
#include "runtime/address.hpp"
#include "runtime/process.hpp"

namespace mensa::master {

/// A task that ended, as the master's history keeps it.
struct ended_task {
  std::string id;
  task_record record;
};

/// The master's record of one framework.
struct framework_record {
  v1::FrameworkInfo info;
  /// The scheduler process that events go to.
  runtime::address scheduler;
  framework_state state = framework_state::active;
  /// Non-terminal tasks, by task ID.
  std::map<std::string, task_record> tasks;
  /// The resources of the task it launched last, which the next task of
  /// the same size shares.
  std::shared_ptr<const common::resources> last_task_resources;
  /// Tasks that ended, most recent last (bounded).
  std::deque<ended_task> completed_tasks;
  /// Its executors with the resources they took (counted once, until they
  /// exit), by agent ID and executor ID.
  std::map<std::string, std::map<std::string, common::resources>> executors;
  /// Pending teardown after a disconnection.
  runtime::timer failover_timer;
  /// When it subscribed to this master, last resubscribed and last lost
  /// its scheduler, in nanoseconds since the epoch (0: not yet).
  int64_t registered_ns = 0;
  int64_t reregistered_ns = 0;
  int64_t unregistered_ns = 0;

  /// Returns whether the framework handles TASK_UNREACHABLE and friends.
  bool partition_aware() const {
    return common::has_capability(info, v1::FrameworkInfo::Capability::PARTITION_AWARE);
  }
};

}  // namespace mensa::master
