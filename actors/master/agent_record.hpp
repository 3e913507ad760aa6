#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "actors/common/resources.hpp"
#include "actors/master/agent_state.hpp"
#include "actors/master/agent_tasks.hpp"
#include "mensa/v1/mensa.pb.h"
#include "runtime/address.hpp"
#include "runtime/process.hpp"

namespace mensa::master {

/// The master's record of one agent.
struct agent_record {
  /// Its AgentInfo, without the resources (the allocator and the registry
  /// have them) and without its ID (in `id`).
  v1::AgentInfo info;
  /// Its ID, shared with the records of its tasks.
  std::shared_ptr<const v1::AgentID> id;
  /// The agent process: `agent@host:port`.
  runtime::address process;
  agent_state state = agent_state::registered;
  /// Tasks on the agent.
  agent_tasks tasks;
  /// Pings sent since the last pong.
  uint32_t missed_pongs = 0;
  /// It went silent and waits for its turn to be made unreachable.
  bool removal_pending = false;
  /// While disconnected: when its time to come back is up.
  runtime::timer reconnect_timer;
  /// When it registered with this master and when it last reregistered,
  /// in nanoseconds since the epoch (0: not yet).
  int64_t registered_ns = 0;
  int64_t reregistered_ns = 0;

  /// Takes what `described` says of the agent: its info and ID.
  void describe(const v1::AgentInfo& described) {
    info = described;
    // Swapped and released, not cleared: a cleared field keeps its memory.
    google::protobuf::RepeatedPtrField<v1::Resource> resources;
    info.mutable_resources()->Swap(&resources);
    std::unique_ptr<v1::AgentID> released(info.release_id());
    id = released ? std::make_shared<const v1::AgentID>(std::move(*released))
                  : std::make_shared<const v1::AgentID>();
  }
};

}  // namespace mensa::master
