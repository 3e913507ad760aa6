#include "actors/agent/executor_table.hpp"

#include <algorithm>

#include "actors/common/task_states.hpp"

namespace mensa::agent {

bool executor_record::has_live_tasks() const {
  return !queued.empty() ||
         std::any_of(launched.begin(), launched.end(), [](const auto& entry) {
           return !common::is_terminal(entry.second.state());
         });
}

std::string executor_record::task_sandbox(const std::string& task_id) const {
  if (!is_default() || sandbox.empty())
    return sandbox;
  return sandbox + "/tasks/" + task_id;
}

agent_framework& executor_table::arrive(const std::string& framework_id) {
  auto [framework, added] = frameworks_.try_emplace(framework_id);
  if (added)
    departed_.erase(framework_id);
  return framework->second;
}

agent_framework* executor_table::find(const std::string& framework_id) {
  auto framework = frameworks_.find(framework_id);
  return framework == frameworks_.end() ? nullptr : &framework->second;
}

executor_table::found executor_table::find(const std::string& framework_id,
                                           const std::string& executor_id) {
  auto* framework = find(framework_id);
  if (framework == nullptr)
    return {nullptr, nullptr};
  auto executor = framework->executors.find(executor_id);
  if (executor == framework->executors.end())
    return {framework, nullptr};
  return {framework, &executor->second};
}

executor_record& executor_table::add(agent_framework& framework,
                                     const v1::ExecutorInfo& info,
                                     const std::string& container_id,
                                     const std::string& sandbox, executor_state state) {
  auto& executor_id = info.executor_id().value();
  auto& executor = framework.executors[executor_id];
  executor.info = info;
  executor.container_id = container_id;
  executor.sandbox = sandbox;
  executor.state = state;
  by_container_[container_id] = {framework.info.id().value(), executor_id};
  return executor;
}

executor_table::found executor_table::take_container(const std::string& container_id) {
  auto i = by_container_.find(container_id);
  if (i == by_container_.end())
    return {nullptr, nullptr};
  auto [framework_id, executor_id] = std::move(i->second);
  by_container_.erase(i);
  auto [framework, executor] = find(framework_id, executor_id);
  if (executor == nullptr || executor->container_id != container_id)
    return {framework, nullptr};
  return {framework, executor};
}

void executor_table::subscribed(executor_record& executor, runtime::address process) {
  if (!executor.process.empty() && executor.process != process)
    by_process_.erase(executor.process);
  executor.process = std::move(process);
  by_process_[executor.process] = {executor.info.framework_id().value(),
                                   executor.info.executor_id().value()};
}

executor_table::found executor_table::subscribed_at(const runtime::address& process) {
  auto i = by_process_.find(process);
  if (i == by_process_.end())
    return {nullptr, nullptr};
  auto found = find(i->second.first, i->second.second);
  if (found.second == nullptr || found.second->process != process)
    return {found.first, nullptr};
  return found;
}

void executor_table::erase(agent_framework& framework, const std::string& executor_id) {
  auto executor = framework.executors.find(executor_id);
  if (executor == framework.executors.end())
    return;
  if (auto& process = executor->second.process; !process.empty())
    if (auto i = by_process_.find(process);
        i != by_process_.end() && i->second.second == executor_id &&
        i->second.first == framework.info.id().value())
      by_process_.erase(i);
  framework.executors.erase(executor);
}

bool executor_table::forget_if_idle(const std::string& framework_id) {
  auto framework = frameworks_.find(framework_id);
  if (framework == frameworks_.end() || !framework->second.executors.empty())
    return false;
  departed_[framework_id] = std::move(framework->second.info);
  frameworks_.erase(framework);
  return true;
}

v1::FrameworkInfo* executor_table::departed(const std::string& framework_id) {
  auto i = departed_.find(framework_id);
  return i == departed_.end() ? nullptr : &i->second;
}

void executor_table::forget_departed(const std::string& framework_id) {
  departed_.erase(framework_id);
}

}  // namespace mensa::agent
