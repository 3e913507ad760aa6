#include "actors/master/registry.hpp"

#include <algorithm>

#include "runtime/record_log.hpp"

namespace mensa::master {

runtime::expected<registry> registry::recover(const std::string& directory,
                                              runtime::file_system& fs) {
  runtime::record_log::contents found;
  auto log = runtime::record_log::open(directory, found, fs);
  if (!log)
    return log.error();
  return recover(std::make_unique<runtime::record_log>(std::move(*log)), found);
}

runtime::expected<registry> registry::recover(
    std::unique_ptr<runtime::durable_log> log,
    const runtime::durable_log::contents& found) {
  registry result;
  if (!found.snapshot.empty()) {
    if (!result.rest_.ParseFromString(found.snapshot))
      return runtime::failure{"the snapshot in " + log->where() +
                              " does not hold a registry"};
    for (auto& agent : result.rest_.agents())
      result.agents_[agent.info().id().value()] = {
          agent.info().SerializeAsString(), agent.unreachable(),
          agent.unreachable() ? agent.unreachable_time().nanoseconds() : 0};
    google::protobuf::RepeatedPtrField<internal::Registry::Agent> parsed;
    result.rest_.mutable_agents()->Swap(&parsed);
    for (auto& gone : result.rest_.gone_agents())
      result.gone_.insert(gone.agent_id().value());
  }
  for (std::size_t i = 0; i < found.records.size(); ++i) {
    internal::RegistryOperation op;
    if (!op.ParseFromString(found.records[i]))
      return runtime::failure{"operation " + std::to_string(i + 1) + " in " +
                              log->where() + " is not a registry operation"};
    result.apply_in_memory(op);
  }
  result.dropped_bytes_ = found.dropped_bytes;
  result.snapshot_agents_ = result.agents_.size();
  result.log_ = std::move(log);
  return result;
}

internal::Registry::Agent registry::parse(const kept_agent& kept) {
  internal::Registry::Agent agent;
  // Kept by this registry from a message it held: it parses.
  agent.mutable_info()->ParseFromString(kept.info);
  if (kept.unreachable)
    agent.set_unreachable(true);
  if (kept.unreachable_since_ns != 0)
    agent.mutable_unreachable_time()->set_nanoseconds(kept.unreachable_since_ns);
  return agent;
}

std::vector<registry::unreachable_agent> registry::unreachable_agents() const {
  std::vector<unreachable_agent> result;
  for (auto& [id, kept] : agents_)
    if (kept.unreachable)
      result.push_back({id, kept.unreachable_since_ns});
  std::stable_sort(result.begin(), result.end(),
                   [](auto& a, auto& b) { return a.since_ns < b.since_ns; });
  return result;
}

std::map<std::string, internal::Registry::Agent> registry::agents() const {
  std::map<std::string, internal::Registry::Agent> result;
  for (auto& [id, kept] : agents_)
    result.emplace(id, parse(kept));
  return result;
}

std::unique_ptr<internal::Registry::Agent> registry::agent(
    const std::string& agent_id) const {
  auto i = agents_.find(agent_id);
  if (i == agents_.end())
    return nullptr;
  return std::make_unique<internal::Registry::Agent>(parse(i->second));
}

internal::Registry registry::snapshot() const {
  auto result = rest_;
  for (auto& [_, kept] : agents_) {
    auto agent = parse(kept);
    result.add_agents()->Swap(&agent);
  }
  return result;
}

internal::RegistryOperation registry::admission(const v1::AgentInfo& info) {
  internal::RegistryOperation op;
  *op.mutable_admit_agent()->mutable_info() = info;
  return op;
}

internal::RegistryOperation registry::unreachability(const std::string& agent_id,
                                                     int64_t since_ns) {
  internal::RegistryOperation op;
  auto& mark = *op.mutable_mark_agent_unreachable();
  mark.mutable_agent_id()->set_value(agent_id);
  mark.mutable_unreachable_time()->set_nanoseconds(since_ns);
  return op;
}

internal::RegistryOperation registry::gone_marking(const std::string& agent_id,
                                                   int64_t since_ns) {
  internal::RegistryOperation op;
  auto& mark = *op.mutable_mark_agent_gone();
  mark.mutable_agent_id()->set_value(agent_id);
  mark.mutable_gone_time()->set_nanoseconds(since_ns);
  return op;
}

internal::RegistryOperation registry::removal(const std::string& agent_id) {
  internal::RegistryOperation op;
  op.mutable_remove_agent()->mutable_agent_id()->set_value(agent_id);
  return op;
}

runtime::expected<void> registry::apply(const internal::RegistryOperation& op) {
  return apply(op, true);
}

runtime::expected<void> registry::apply_deferred(
    const internal::RegistryOperation& op) {
  return apply(op, false);
}

runtime::expected<void> registry::sync() {
  return log_ ? log_->sync() : runtime::expected<void>{};
}

runtime::expected<void> registry::apply(const internal::RegistryOperation& op,
                                        bool flush) {
  if (log_) {
    auto record = op.SerializeAsString();
    if (auto ok = flush ? log_->append(record) : log_->write(record); !ok)
      return ok;
  }
  apply_in_memory(op);
  if (log_ && log_->compaction_due(snapshot_agents_)) {
    // The operation is kept already; a compaction that fails is tried
    // again after the next one.
    if (auto ok = log_->compact(snapshot().SerializeAsString()); !ok)
      compaction_failure_ = ok.error().message;
    else
      snapshot_agents_ = agents_.size();
  }
  return {};
}

void registry::apply_in_memory(const internal::RegistryOperation& op) {
  switch (op.operation_case()) {
    case internal::RegistryOperation::kAdmitAgent: {
      auto& info = op.admit_agent().info();
      agents_[info.id().value()] = {info.SerializeAsString(), false};
      break;
    }
    case internal::RegistryOperation::kMarkAgentUnreachable: {
      auto& mark = op.mark_agent_unreachable();
      auto i = agents_.find(mark.agent_id().value());
      if (i != agents_.end()) {
        i->second.unreachable = true;
        i->second.unreachable_since_ns = mark.unreachable_time().nanoseconds();
      }
      break;
    }
    case internal::RegistryOperation::kMarkAgentGone: {
      auto& mark = op.mark_agent_gone();
      agents_.erase(mark.agent_id().value());
      if (gone_.insert(mark.agent_id().value()).second) {
        auto& gone = *rest_.add_gone_agents();
        *gone.mutable_agent_id() = mark.agent_id();
        *gone.mutable_gone_time() = mark.gone_time();
      }
      break;
    }
    case internal::RegistryOperation::kRemoveAgent:
      agents_.erase(op.remove_agent().agent_id().value());
      break;
    case internal::RegistryOperation::kSetWeights:
      *rest_.mutable_weights() = op.set_weights().weights();
      break;
    case internal::RegistryOperation::kSetQuota:
      *rest_.mutable_quota_configs() = op.set_quota().quota_configs();
      break;
    case internal::RegistryOperation::OPERATION_NOT_SET:
      break;
  }
}

}  // namespace mensa::master
