#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "caf/config_option_set.hpp"
#include "actors/common/master_address.hpp"
#include "actors/master/registry.hpp"
#include "caf/timespan.hpp"
#include "runtime/child_processes.hpp"
#include "runtime/node.hpp"
#include "runtime/zookeeper.hpp"

namespace mensa::tools {

/// The flags of a master (`mensa master`, `mensa local`).
struct master_flags {
  caf::timespan allocation_interval = std::chrono::seconds(1);
  caf::timespan agent_ping_interval = std::chrono::seconds(15);
  std::size_t max_agent_ping_timeouts = 5;
  std::size_t max_completed_frameworks = 50;
  std::size_t max_completed_tasks_per_framework = 1000;
  std::size_t max_operator_event_stream_subscribers = 1000;
  std::string weights;
  std::string fair_sharing_excluded_resource_names;
  std::string min_allocatable_resources = "cpus:0.01|mem:32";
  caf::timespan agent_reregister_timeout = std::chrono::minutes(10);
  std::string agent_removal_rate_limit;
  caf::timespan registry_gc_interval = std::chrono::minutes(15);
  caf::timespan registry_max_agent_age = std::chrono::hours(24 * 14);
  std::size_t registry_max_agent_count = 100 * 1024;
  /// Where the registry is kept (`mensa master --work_dir`); empty: in memory.
  std::string work_dir;
  /// The ZooKeeper group masters elect their leader in and keep the
  /// registry under (`mensa master --zk`); empty: this master leads alone.
  std::string zk;
  caf::timespan zk_session_timeout = std::chrono::seconds(10);
};

/// The flags of an agent (`mensa agent`, `mensa local`).
struct agent_flags {
  std::string master;
  std::string resources;
  std::string attributes;
  std::string hostname;
  std::string work_dir;
  caf::timespan executor_registration_timeout = std::chrono::minutes(1);
  caf::timespan executor_reregistration_timeout = std::chrono::seconds(5);
  caf::timespan executor_shutdown_grace_period = std::chrono::seconds(5);
  caf::timespan executor_idle_timeout = std::chrono::seconds(10);
  caf::timespan master_ping_timeout = std::chrono::seconds(75);
  caf::timespan zk_session_timeout = std::chrono::seconds(10);
  /// Takes back what an earlier run kept in `work_dir/meta` (not a flag:
  /// `mensa local` starts afresh, as its master keeps nothing either).
  bool recover = true;
};

/// Declares the master's flags, bound to `flags`.
void declare_master_flags(caf::config_option_set& options, master_flags& flags);

/// Declares the agent's flags, bound to `flags`; `with_master` adds
/// `--master` (not needed by `mensa local`).
void declare_agent_flags(caf::config_option_set& options, agent_flags& flags,
                         bool with_master);

/// Spawns the allocator and the master on `n`, with the registry kept in
/// `flags.work_dir` (or in memory); returns the master's address.
runtime::expected<runtime::address> spawn_master(runtime::node& n,
                                                 const master_flags& flags);

/// Spawns the allocator and the master on `n` with the registry `kept`, as
/// master `id` (empty: a new ID); returns the master's address.
runtime::expected<runtime::address> spawn_master(runtime::node& n,
                                                 const master_flags& flags,
                                                 master::registry kept,
                                                 const std::string& id);

/// Waits until the master on `n` has started, so that its HTTP routes are
/// there before the command says it listens.
void await_master_started(runtime::node& n);

/// Spawns an agent called `name` on `n` that registers with `master` (empty:
/// none yet, one is detected) and runs executors as OS processes through
/// `children`; `resources` overrides `flags.resources` when set. Returns its
/// address.
runtime::expected<runtime::address> spawn_agent(runtime::node& n,
                                                const std::string& name,
                                                const agent_flags& flags,
                                                const runtime::address& master,
                                                runtime::child_processes& children,
                                                const std::string& resources = {});

/// Parses `HOST:PORT` (or a full `master@HOST:PORT`) as the master's address.
runtime::expected<runtime::address> master_address(const std::string& text);

/// Parses `--master`: `HOST:PORT`, `master@HOST:PORT` or `zk://...`.
runtime::expected<common::master_source> master_source_of(const std::string& text);

/// Returns the path of the running `mensa` program.
std::string mensa_program();

}  // namespace mensa::tools
