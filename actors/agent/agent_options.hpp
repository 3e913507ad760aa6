#pragma once

#include <chrono>
#include <string>

#include "actors/agent/containerizer.hpp"
#include "actors/agent/status_update_manager.hpp"
#include "actors/common/resources.hpp"
#include "runtime/time.hpp"
#include "runtime/address.hpp"

namespace mensa::agent {

/// How an agent behaves; the `mensa agent` flags set these.
struct agent_options {
  /// The master to register with.
  runtime::address master;
  /// What the agent offers (`--resources`, or detected from the machine).
  common::resources resources;
  /// Attributes such as `rack:r1;zone:z2` (`--attributes`).
  std::string attributes;
  /// The name frameworks see for this agent.
  std::string hostname;
  /// Where sandboxes live (`--work_dir`); the checkpoint is in its `meta`.
  std::string work_dir;
  /// Runs executors.
  containerizer_factory containerizer;
  /// First wait between registration attempts; doubles up to a minute.
  /// After losing the master, the agent waits a random part of it first.
  runtime::duration registration_backoff = std::chrono::seconds(1);
  /// Retries of unacknowledged status updates.
  retry_backoff status_update_backoff;
  /// Time an executor has to subscribe after its launch.
  runtime::duration executor_registration_timeout = std::chrono::minutes(1);
  /// Time an executor that outlived a restart of the agent has to
  /// subscribe again (Mesos: 2 s).
  runtime::duration executor_reregistration_timeout = std::chrono::seconds(5);
  /// Time a default executor may stay without tasks before it is shut
  /// down (it takes the framework's next task groups until then).
  runtime::duration executor_idle_timeout = std::chrono::seconds(10);
  /// Time an executor has to exit after SHUTDOWN before it is killed.
  runtime::duration executor_shutdown_grace_period = std::chrono::seconds(5);
  /// Silence from the master after which the agent registers again
  /// (the master pings every 15 s by default).
  runtime::duration master_ping_timeout = std::chrono::seconds(75);
};

}  // namespace mensa::agent
