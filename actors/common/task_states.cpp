#include "actors/common/task_states.hpp"

#include <algorithm>
#include <vector>

namespace mensa::common {

bool is_terminal(v1::TaskState state) {
  switch (state) {
    case v1::TASK_FINISHED:
    case v1::TASK_FAILED:
    case v1::TASK_KILLED:
    case v1::TASK_ERROR:
    case v1::TASK_LOST:
    case v1::TASK_DROPPED:
    case v1::TASK_GONE:
    case v1::TASK_GONE_BY_OPERATOR:
      return true;
    default:
      return false;
  }
}

const std::string& name_of(v1::TaskState state) {
  return v1::TaskState_Name(state);
}

std::vector<std::string> roles_of(const v1::FrameworkInfo& info) {
  if (has_capability(info, v1::FrameworkInfo::Capability::MULTI_ROLE))
    return {info.roles().begin(), info.roles().end()};
  return {info.role()};
}

bool has_capability(const v1::FrameworkInfo& info,
                    v1::FrameworkInfo::Capability::Type capability) {
  return std::any_of(info.capabilities().begin(), info.capabilities().end(),
                     [&](const auto& c) { return c.type() == capability; });
}

}  // namespace mensa::common
