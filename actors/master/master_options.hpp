#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/time.hpp"
#include "mensa/v1/mensa.pb.h"

namespace mensa::master {

/// At most `permits` actions per `window` (`--agent_removal_rate_limit`).
struct rate_limit {
  uint64_t permits = 1;
  runtime::duration window = std::chrono::minutes(20);
};

/// How the master behaves; the `mensa master` flags set these.
struct master_options {
  /// The master's ID (a UUID); empty: a new one. A master elected through
  /// ZooKeeper is known there by it before it starts.
  std::string id;
  /// Time between pings to each agent.
  runtime::duration agent_ping_interval = std::chrono::seconds(15);
  /// Pings an agent may leave unanswered before it counts as unreachable.
  uint32_t max_missed_pongs = 5;
  /// Completed frameworks kept for reconciliation and views.
  std::size_t max_completed_frameworks = 50;
  /// Completed tasks kept per framework.
  std::size_t max_completed_tasks_per_framework = 1000;
  /// Operator API event streams open at once; a new one beyond it closes
  /// the oldest (1000, as in Mesos).
  std::size_t max_operator_event_stream_subscribers = 1000;
  /// Interval frameworks are told to expect heartbeats at (informational).
  runtime::duration heartbeat_interval = std::chrono::seconds(15);
  /// Role weights in force from the start (`--weights`), over those the
  /// registry kept.
  std::vector<v1::WeightInfo> weights;
  /// Time agents in the registry have to reregister after the master
  /// starts; those that do not are unreachable.
  runtime::duration agent_reregister_timeout = std::chrono::minutes(10);
  /// Time between the master's looks for unreachable agents to forget.
  runtime::duration registry_gc_interval = std::chrono::minutes(15);
  /// An agent unreachable this long is forgotten: removed from the
  /// registry and from the master's records (two weeks, as in Mesos).
  runtime::duration registry_max_agent_age = std::chrono::hours(24 * 14);
  /// At most this many unreachable agents are remembered; beyond it the
  /// longest unreachable are forgotten.
  std::size_t registry_max_agent_count = 100 * 1024;
  /// How fast silent agents (that stop answering pings, or are not back
  /// in time after their connection broke) are made unreachable; none
  /// means at once.
  std::optional<rate_limit> agent_removal_rate_limit;
};

}  // namespace mensa::master
