#include "actors/agent/checkpoint.hpp"

#include <algorithm>

#include "actors/common/resources.hpp"
#include "actors/common/staging_task.hpp"
#include "actors/common/task_states.hpp"
#include "actors/common/task_transitions.hpp"

namespace mensa::agent {

namespace {

using operation = internal::CheckpointOperation;

}  // namespace

runtime::expected<checkpoint> checkpoint::recover(const std::string& directory,
                                                  runtime::file_system& fs) {
  runtime::record_log::contents found;
  auto log = runtime::record_log::open(directory, found, fs);
  if (!log)
    return log.error();
  checkpoint result;
  if (!found.snapshot.empty()) {
    internal::AgentCheckpoint kept;
    if (!kept.ParseFromString(found.snapshot))
      return runtime::failure{directory +
                              "/snapshot does not hold an agent checkpoint"};
    if (kept.has_agent_info())
      result.agent_info_ = kept.agent_info();
    for (auto& framework : *kept.mutable_frameworks()) {
      auto& entry = result.frameworks_[framework.info().id().value()];
      entry.info = framework.info();
      for (auto& executor : *framework.mutable_executors())
        entry.executors[executor.info().executor_id().value()] = std::move(executor);
    }
    for (auto& update : *kept.mutable_updates())
      result
          .streams_[{update.framework_id().value(), update.status().task_id().value()}]
          .push_back(std::move(update));
  }
  for (std::size_t i = 0; i < found.records.size(); ++i) {
    operation op;
    if (!op.ParseFromString(found.records[i]))
      return runtime::failure{directory + "/log: operation " + std::to_string(i + 1) +
                              " is not an agent checkpoint operation"};
    result.apply_in_memory(op);
  }
  result.dropped_bytes_ = found.dropped_bytes;
  result.snapshot_size_ = result.size();
  result.log_.emplace(std::move(*log));
  return result;
}

internal::AgentCheckpoint checkpoint::snapshot() const {
  internal::AgentCheckpoint result;
  if (agent_info_)
    *result.mutable_agent_info() = *agent_info_;
  for (auto& [id, entry] : frameworks_) {
    auto* framework = result.add_frameworks();
    *framework->mutable_info() = entry.info;
    for (auto& [executor_id, executor] : entry.executors)
      *framework->add_executors() = executor;
  }
  for (auto& [key, stream] : streams_)
    for (auto& update : stream)
      *result.add_updates() = update;
  return result;
}

std::size_t checkpoint::size() const {
  std::size_t n = streams_.size();
  for (auto& [id, entry] : frameworks_)
    for (auto& [executor_id, executor] : entry.executors)
      n += 1 + static_cast<std::size_t>(executor.tasks_size());
  return n;
}

runtime::expected<void> checkpoint::apply(const operation& op) {
  if (!log_ || !concerns(op))
    return {};
  if (auto ok = log_->append(op.SerializeAsString()); !ok)
    return ok;
  apply_in_memory(op);
  if (log_->compaction_due(snapshot_size_)) {
    // The operation is kept already; a compaction that fails is tried
    // again after the next one.
    if (auto ok = log_->compact(snapshot().SerializeAsString()); !ok)
      compaction_failure_ = ok.error().message;
    else
      snapshot_size_ = size();
  }
  return {};
}

runtime::expected<void> checkpoint::admits(const v1::AgentInfo& now) const {
  if (!agent_info_)
    return {};
  auto kept = *agent_info_;
  kept.clear_id();
  auto described = now;
  described.clear_id();
  if (kept.SerializePartialAsString() == described.SerializePartialAsString())
    return {};
  auto differs = [](const char* what, const std::string& before,
                    const std::string& after) -> runtime::expected<void> {
    return runtime::failure{std::string(what) + " changed from " + before + " to " +
                            after};
  };
  if (kept.hostname() != described.hostname())
    return differs("the hostname", kept.hostname(), described.hostname());
  if (kept.port() != described.port())
    return differs("the port", std::to_string(kept.port()),
                   std::to_string(described.port()));
  auto kept_resources = common::resources(kept.resources()).to_string();
  auto described_resources = common::resources(described.resources()).to_string();
  if (kept_resources != described_resources)
    return differs("the resources", kept_resources, described_resources);
  return runtime::failure{"the attributes changed"};
}

runtime::expected<void> checkpoint::clear() {
  if (log_) {
    if (auto ok = log_->compact(internal::AgentCheckpoint{}.SerializeAsString()); !ok)
      return ok;
  }
  agent_info_.reset();
  frameworks_.clear();
  streams_.clear();
  snapshot_size_ = 0;
  return {};
}

bool checkpoint::concerns(const operation& op) const {
  switch (op.operation_case()) {
    case operation::kRegistered:
      return true;
    case operation::kFramework:
      return op.framework().checkpoint() || keeps(op.framework().id().value());
    case operation::kExecutorLaunched:
      return keeps(op.executor_launched().info().framework_id().value());
    case operation::kTasksAdded:
      return keeps(op.tasks_added().framework_id().value());
    case operation::kUpdate:
      return keeps(op.update().framework_id().value());
    case operation::kAcknowledged:
      return streams_.count({op.acknowledged().framework_id().value(),
                             op.acknowledged().task_id().value()}) > 0;
    case operation::kExecutorEnded:
      return keeps(op.executor_ended().framework_id().value());
    case operation::kFrameworkRemoved:
      return keeps(op.framework_removed().value());
    case operation::OPERATION_NOT_SET:
      return false;
  }
  return false;
}

void checkpoint::apply_in_memory(const operation& op) {
  switch (op.operation_case()) {
    case operation::kRegistered:
      agent_info_ = op.registered();
      break;
    case operation::kFramework:
      frameworks_[op.framework().id().value()].info = op.framework();
      break;
    case operation::kExecutorLaunched: {
      auto& executor = op.executor_launched();
      auto framework = frameworks_.find(executor.info().framework_id().value());
      if (framework != frameworks_.end())
        framework->second.executors[executor.info().executor_id().value()] = executor;
      break;
    }
    case operation::kTasksAdded: {
      auto& added = op.tasks_added();
      auto framework = frameworks_.find(added.framework_id().value());
      if (framework == frameworks_.end())
        break;
      auto executor = framework->second.executors.find(added.executor_id().value());
      if (executor == framework->second.executors.end())
        break;
      *executor->second.add_groups() = added.group();
      v1::AgentID agent;
      if (agent_info_)
        agent = agent_info_->id();
      for (auto& task : added.group().tasks())
        *executor->second.add_tasks() = common::staging_task(
            task, added.framework_id(), added.executor_id(), agent);
      break;
    }
    case operation::kUpdate: {
      auto& update = op.update();
      auto& framework_id = update.framework_id().value();
      auto& task_id = update.status().task_id().value();
      auto& stream = streams_[{framework_id, task_id}];
      if (std::any_of(stream.begin(), stream.end(),
                      [&](auto& kept) { return kept.uuid() == update.uuid(); }))
        break;
      stream.push_back(update);
      auto framework = frameworks_.find(framework_id);
      if (framework == frameworks_.end())
        break;
      auto executor = framework->second.executors.find(update.executor_id().value());
      if (executor == framework->second.executors.end())
        break;
      for (auto& task : *executor->second.mutable_tasks())
        if (task.task_id().value() == task_id)
          common::move_task(task, update.status().state());
      break;
    }
    case operation::kAcknowledged:
      acknowledge_in_memory(op.acknowledged());
      break;
    case operation::kExecutorEnded: {
      auto& ended = op.executor_ended();
      auto framework = frameworks_.find(ended.framework_id().value());
      if (framework == frameworks_.end())
        break;
      auto executor = framework->second.executors.find(ended.executor_id().value());
      if (executor != framework->second.executors.end() &&
          executor->second.container_id() == ended.container_id())
        framework->second.executors.erase(executor);
      forget_if_done(ended.framework_id().value());
      break;
    }
    case operation::kFrameworkRemoved: {
      auto& id = op.framework_removed().value();
      frameworks_.erase(id);
      for (auto i = streams_.begin(); i != streams_.end();)
        i = i->first.first == id ? streams_.erase(i) : std::next(i);
      break;
    }
    case operation::OPERATION_NOT_SET:
      break;
  }
}

void checkpoint::acknowledge_in_memory(const operation::Acknowledged& ack) {
  auto i = streams_.find({ack.framework_id().value(), ack.task_id().value()});
  if (i == streams_.end() || i->second.front().uuid() != ack.uuid())
    return;
  auto acked = std::move(i->second.front());
  i->second.pop_front();
  if (i->second.empty())
    streams_.erase(i);
  if (common::is_terminal(acked.status().state()))
    forget_task(ack.framework_id().value(), acked.executor_id().value(),
                ack.task_id().value());
  forget_if_done(ack.framework_id().value());
}

// A task whose end was acknowledged is done; so is its group once all of
// its tasks are.
void checkpoint::forget_task(const std::string& framework_id,
                             const std::string& executor_id,
                             const std::string& task_id) {
  auto framework = frameworks_.find(framework_id);
  if (framework == frameworks_.end())
    return;
  auto executor = framework->second.executors.find(executor_id);
  if (executor == framework->second.executors.end())
    return;
  auto& kept = executor->second;
  auto* tasks = kept.mutable_tasks();
  tasks->erase(
      std::remove_if(tasks->begin(), tasks->end(),
                     [&](auto& task) { return task.task_id().value() == task_id; }),
      tasks->end());
  auto live = [&](const v1::TaskInfo& task) {
    return std::any_of(kept.tasks().begin(), kept.tasks().end(), [&](auto& record) {
      return record.task_id().value() == task.task_id().value();
    });
  };
  auto* groups = kept.mutable_groups();
  groups->erase(std::remove_if(groups->begin(), groups->end(),
                               [&](const v1::TaskGroupInfo& group) {
                                 return std::none_of(group.tasks().begin(),
                                                     group.tasks().end(), live);
                               }),
                groups->end());
}

// A framework with no executors and no updates left is forgotten.
void checkpoint::forget_if_done(const std::string& framework_id) {
  auto framework = frameworks_.find(framework_id);
  if (framework == frameworks_.end() || !framework->second.executors.empty())
    return;
  auto streams = streams_.lower_bound({framework_id, {}});
  if (streams != streams_.end() && streams->first.first == framework_id)
    return;
  frameworks_.erase(framework);
}

operation checkpoint::registration(const v1::AgentInfo& info) {
  operation op;
  *op.mutable_registered() = info;
  return op;
}

operation checkpoint::framework(const v1::FrameworkInfo& info) {
  operation op;
  *op.mutable_framework() = info;
  return op;
}

operation checkpoint::launch(internal::CheckpointedExecutor executor) {
  operation op;
  *op.mutable_executor_launched() = std::move(executor);
  return op;
}

operation checkpoint::addition(const v1::FrameworkID& framework,
                               const v1::ExecutorID& executor,
                               const v1::TaskGroupInfo& group) {
  operation op;
  auto* added = op.mutable_tasks_added();
  *added->mutable_framework_id() = framework;
  *added->mutable_executor_id() = executor;
  *added->mutable_group() = group;
  return op;
}

operation checkpoint::update(const internal::StatusUpdate& update) {
  operation op;
  *op.mutable_update() = update;
  return op;
}

operation checkpoint::acknowledgement(const std::string& framework_id,
                                      const std::string& task_id,
                                      const std::string& uuid) {
  operation op;
  auto* ack = op.mutable_acknowledged();
  ack->mutable_framework_id()->set_value(framework_id);
  ack->mutable_task_id()->set_value(task_id);
  ack->set_uuid(uuid);
  return op;
}

operation checkpoint::end(const std::string& framework_id,
                          const std::string& executor_id,
                          const std::string& container_id) {
  operation op;
  auto* ended = op.mutable_executor_ended();
  ended->mutable_framework_id()->set_value(framework_id);
  ended->mutable_executor_id()->set_value(executor_id);
  ended->set_container_id(container_id);
  return op;
}

operation checkpoint::removal(const v1::FrameworkID& framework) {
  operation op;
  *op.mutable_framework_removed() = framework;
  return op;
}

}  // namespace mensa::agent
