#include "actors/common/command_executor.hpp"

#include <algorithm>

namespace mensa::common {

namespace {

constexpr const char* kind_label = "mensa.executor";
constexpr const char* command_kind = "command";

}  // namespace

v1::ExecutorID command_executor_id(const v1::TaskID& task_id) {
  v1::ExecutorID id;
  id.set_value(task_id.value());
  return id;
}

v1::ExecutorInfo make_command_executor_info(const v1::TaskInfo& task,
                                            const v1::FrameworkInfo& framework) {
  v1::ExecutorInfo info;
  *info.mutable_executor_id() = command_executor_id(task.task_id());
  *info.mutable_framework_id() = framework.id();
  info.set_name("Command Executor (Task: " + task.task_id().value() + ")");
  auto* label = info.mutable_labels()->add_labels();
  label->set_key(kind_label);
  label->set_value(command_kind);
  return info;
}

bool is_command_executor(const v1::ExecutorInfo& info) {
  auto& labels = info.labels().labels();
  return std::any_of(labels.begin(), labels.end(), [](const v1::Label& label) {
    return label.key() == kind_label && label.value() == command_kind;
  });
}

}  // namespace mensa::common
