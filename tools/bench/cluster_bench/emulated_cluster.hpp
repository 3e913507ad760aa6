#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "actors/master/master_options.hpp"
#include "actors/master/registry.hpp"
#include "runtime/node.hpp"
#include "tools/bench/cluster_bench/bench_framework.hpp"

namespace mensa::bench {

/// What the benchmark's nodes take from its flags.
struct node_settings {
  std::size_t worker_threads = 0;
  std::string logging_level = "error";
};

/// Starts a node on 127.0.0.1 with an ephemeral port; stops the benchmark
/// with the reason if it cannot.
std::unique_ptr<runtime::node> start_node(const node_settings& settings);

/// Spawns the allocator and the master on `n`, the master keeping its
/// registry in `registry_dir` (in memory when empty); returns the master.
runtime::address spawn_master(runtime::node& n, const std::string& registry_dir = {});

/// Spawns the allocator and the master on `n`, the master keeping its
/// registry in `kept`; returns the master.
runtime::address spawn_master(runtime::node& n, master::registry kept,
                              master::master_options options = {});

/// Emulated agents on one node: real agent actors whose executors are
/// simulated in the same node (RUNNING and FINISHED at once for `true`,
/// running until killed for other commands), no OS processes.
class emulated_agents {
 public:
  /// Spawns `count` agents offering `resources` each, registering with
  /// `master` (which may be on another node).
  emulated_agents(runtime::node& n, const runtime::address& master, std::size_t count,
                  const std::string& resources);

  /// Waits until every agent is registered; false after `timeout`.
  bool await_registration(std::chrono::milliseconds timeout);

  /// Returns the status updates the agents still wait to see acknowledged.
  std::size_t unacknowledged_streams();

 private:
  runtime::node& node_;
  std::vector<std::string> names_;
};

/// What one run of frameworks took.
struct workload_run {
  /// Wall seconds from the frameworks' start until every task got there.
  double seconds = 0;
  /// CPU seconds of this whole process in that time.
  double cpu_seconds = 0;
  /// Offers the frameworks received in that time.
  std::size_t offers = 0;
};

/// Runs `work` in `frameworks` frameworks on `n` (the work split evenly)
/// and waits until every task reached `target`. Stops the benchmark if a
/// task failed or the tasks did not get there within `timeout`.
workload_run run_frameworks(runtime::node& n, const runtime::address& master,
                            const std::string& name, std::size_t frameworks,
                            const workload& work, v1::TaskState target,
                            std::chrono::milliseconds timeout);

}  // namespace mensa::bench
