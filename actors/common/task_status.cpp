#include "actors/common/task_status.hpp"

namespace mensa::common {

v1::TaskStatus make_status(const v1::TaskID& task, v1::TaskState state,
                           v1::TaskStatus::Source source, double timestamp,
                           const std::string& message) {
  v1::TaskStatus status;
  *status.mutable_task_id() = task;
  status.set_state(state);
  status.set_source(source);
  status.set_timestamp(timestamp);
  if (!message.empty())
    status.set_message(message);
  return status;
}

v1::TaskStatus make_status(const v1::TaskID& task, v1::TaskState state,
                           v1::TaskStatus::Source source, v1::TaskStatus::Reason reason,
                           double timestamp, const std::string& message) {
  auto status = make_status(task, state, source, timestamp, message);
  status.set_reason(reason);
  return status;
}

}  // namespace mensa::common
