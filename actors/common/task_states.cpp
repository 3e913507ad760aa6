#include "actors/common/task_states.hpp"

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

}  // namespace mensa::common
