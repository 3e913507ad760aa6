#include "actors/common/status_update.hpp"

#include "actors/common/uuid.hpp"

namespace mensa::common {

bool names_an_update(const std::string& uuid) {
  return uuid.size() == uuid_size;
}

internal::StatusUpdate wrap_status(const v1::FrameworkID& framework,
                                   const v1::ExecutorID& executor,
                                   const v1::AgentID& agent, v1::TaskStatus status,
                                   double now) {
  *status.mutable_agent_id() = agent;
  *status.mutable_executor_id() = executor;
  if (!status.has_timestamp())
    status.set_timestamp(now);
  internal::StatusUpdate update;
  *update.mutable_framework_id() = framework;
  *update.mutable_executor_id() = executor;
  *update.mutable_agent_id() = agent;
  update.set_timestamp(status.timestamp());
  update.set_uuid(status.uuid());
  *update.mutable_status() = std::move(status);
  return update;
}

void stamp_as_sent(v1::TaskStatus& status, const internal::StatusUpdate& update,
                   const v1::AgentID& from) {
  status.set_uuid(update.uuid());
  *status.mutable_agent_id() = from;
  if (update.has_executor_id())
    *status.mutable_executor_id() = update.executor_id();
}

}  // namespace mensa::common
