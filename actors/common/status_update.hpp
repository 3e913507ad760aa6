#pragma once

#include <string>

#include "mensa/internal/cluster.pb.h"
#include "mensa/v1/mensa.pb.h"

namespace mensa::common {

/// Whether `uuid` can name a reliable status update: 16 bytes. Updates
/// whose uuid cannot are dropped where they enter (from an executor at the
/// agent, from an agent at the master): they could never be acknowledged.
bool names_an_update(const std::string& uuid);

/// Wraps `status` of a task of `executor` of `framework` on `agent` in the
/// update that carries it to the master: the status is stamped with the
/// agent and the executor (and the time `now`, unless it has one), and the
/// update repeats them with the status's uuid, as Mesos's StatusUpdate does.
/// The agent stamps a status here, once.
internal::StatusUpdate wrap_status(const v1::FrameworkID& framework,
                                   const v1::ExecutorID& executor,
                                   const v1::AgentID& agent, v1::TaskStatus status,
                                   double now);

/// Makes `status`, taken out of `update`, what its framework hears: the
/// uuid and the executor are the update's, the agent the one the update
/// came from (`from`), whatever the status itself says. The master stamps
/// a status here, once.
void stamp_as_sent(v1::TaskStatus& status, const internal::StatusUpdate& update,
                   const v1::AgentID& from);

}  // namespace mensa::common
