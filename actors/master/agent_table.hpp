#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "actors/master/agent_record.hpp"
#include "runtime/address.hpp"

namespace mensa::master {

/// The master's agents: a record per agent it knows (registered,
/// disconnected, recovering or unreachable), by ID, and the connected ones
/// by the process they speak from. Records stay put while others come and
/// go, so a reference to one stays good until that agent is erased. Plain
/// C++, owned by the master actor.
class agent_table {
 public:
  using records = std::map<std::string, agent_record>;

  /// Returns the record of agent `agent_id`, a new empty one if there was
  /// none.
  agent_record& record(const std::string& agent_id) { return agents_[agent_id]; }

  /// Returns the record of agent `agent_id`, or null.
  agent_record* find(const std::string& agent_id);
  const agent_record* find(const std::string& agent_id) const;

  /// Returns the record of agent `agent_id` if it is in state `state`, or
  /// null.
  agent_record* find(const std::string& agent_id, agent_state state);

  /// Returns the agent connected from `process`, or null.
  agent_record* connected_at(const runtime::address& process);

  /// The agent speaks from `process` now.
  void connect(agent_record& agent, runtime::address process);

  /// Forgets that an agent speaks from `process` (its connection broke, or
  /// it is being disconnected); returns that agent, or null if none did.
  agent_record* disconnect(const runtime::address& process);

  /// Forgets agent `agent_id` and its connection; returns whether it was
  /// there.
  bool erase(const std::string& agent_id);

  /// Returns every record, by ID.
  const records& all() const noexcept { return agents_; }

  records::iterator begin() noexcept { return agents_.begin(); }
  records::iterator end() noexcept { return agents_.end(); }

 private:
  records agents_;
  std::unordered_map<runtime::address, agent_record*> by_process_;
};

}  // namespace mensa::master
