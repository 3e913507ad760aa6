#pragma once

// A whole cluster on the deterministic harness: one master node (master
// and allocator), agent nodes whose executors are simulated (no OS
// processes), and frameworks on a node of their own, so every message
// between them crosses the simulated network.

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/agent/agent_process.hpp"
#include "actors/allocator/allocator_process.hpp"
#include "actors/executor/simulated_containerizer.hpp"
#include "actors/master/master_process.hpp"
#include "runtime/dispatch.hpp"
#include "runtime/testing/harness.hpp"
#include "tests/cluster/test_scheduler.hpp"

namespace mensa::test {

using runtime::address;

/// Builds a task that runs `command` with `resources` on `offer`'s agent.
inline v1::TaskInfo make_task(const std::string& id, const v1::Offer& offer,
                              const std::string& resources,
                              const std::string& command) {
  v1::TaskInfo task;
  task.set_name(id);
  task.mutable_task_id()->set_value(id);
  *task.mutable_agent_id() = offer.agent_id();
  auto parsed = common::resources::parse(resources);
  parsed->copy_to(task.mutable_resources());
  task.mutable_command()->set_value(command);
  return task;
}

/// Makes a FrameworkInfo with a name, for the `*` role.
inline v1::FrameworkInfo make_framework(const std::string& name) {
  v1::FrameworkInfo info;
  info.set_user("tester");
  info.set_name(name);
  return info;
}

/// A cluster on one harness.
class test_cluster {
 public:
  /// A cluster whose master keeps its registry in `registry_dir` (in
  /// memory when empty), on `disk` (with the agents' checkpoints; the real
  /// file system when null).
  explicit test_cluster(uint64_t seed = 1, master::master_options master_options = {},
                        allocator::allocator_options allocator_options = {},
                        std::string registry_dir = {},
                        runtime::file_system* disk = nullptr)
      : h(seed),
        disk(disk != nullptr ? disk : &runtime::real_file_system()),
        master_options_(std::move(master_options)),
        allocator_options_(std::move(allocator_options)),
        registry_dir_(std::move(registry_dir)) {
    auto& n = h.add_node("10.0.0.1", 5050);
    master_node = &n;
    master_address = *n.address_of("master");
    start_master();
    framework_node = &h.add_node("10.0.0.200", 6060);
  }

  /// Kills the master and its allocator, as SIGKILL would, and starts them
  /// again on the same address with what the registry kept; `while_down`
  /// runs in between (a crash of the disk, say).
  void restart_master(const std::function<void()>& while_down = {}) {
    for (auto* name : {"master", "allocator"})
      caf::anon_send_exit(master_node->find(name), caf::exit_reason::kill);
    h.settle();
    if (while_down)
      while_down();
    start_master();
  }

  /// Adds an agent with `resources` on a node of its own; returns its
  /// address. `configure` may adjust its options.
  address add_agent(const std::string& resources,
                    const std::function<void(agent::agent_options&)>& configure = {}) {
    auto index = agent_nodes.size() + 1;
    auto& n = h.add_node("10.0.1." + std::to_string(index), 5051);
    agent_nodes.push_back(&n);
    agent::agent_options options;
    options.master = master_address;
    options.resources = *common::resources::parse(resources);
    options.status_update_backoff = {std::chrono::seconds(1), std::chrono::seconds(8)};
    options.containerizer = executor::simulated_containerizer(n);
    if (configure)
      configure(options);
    agent_options.push_back(options);
    auto self = h.spawn<agent::agent_process>(
        n, "agent", std::move(options),
        kept_checkpoint(agent_options.back(), disk_of(index - 1)));
    agents.push_back(self);
    return self;
  }

  /// Kills agent `index` (from 0) as SIGKILL would, its executors living
  /// on, and starts it again with the same options: it takes back what its
  /// checkpoint kept, if its options have a `work_dir`. `while_down` runs in
  /// between (a crash of its disk, say).
  void restart_agent(std::size_t index, const std::function<void()>& while_down = {}) {
    auto& n = *agent_nodes.at(index);
    caf::anon_send_exit(n.find("agent"), caf::exit_reason::kill);
    h.settle();
    if (while_down)
      while_down();
    h.spawn<agent::agent_process>(
        n, "agent", agent_options.at(index),
        kept_checkpoint(agent_options.at(index), disk_of(index)));
  }

  /// Returns the disk agent `index` keeps its checkpoint on.
  runtime::file_system& disk_of(std::size_t index) {
    auto own = agent_disks.find(index);
    return own != agent_disks.end() ? *own->second : *disk;
  }

  /// Adds a framework whose scheduler records into `log`.
  address add_framework(const std::string& name, test_scheduler::journal* log,
                        v1::FrameworkInfo info = {},
                        scheduler::scheduler_options options = {}) {
    if (!info.has_name())
      info = make_framework(name);
    return h.spawn<test_scheduler>(*framework_node, name, master_address, info, log,
                                   options);
  }

  /// Runs `fn(test_scheduler&)` inside the scheduler `name`.
  template <class F>
  void on_framework(const std::string& name, F fn) {
    runtime::dispatch<test_scheduler>(framework_node->find(name), std::move(fn));
  }

  /// Runs `fn(master_process&)` inside the master, right away.
  template <class F>
  void inspect_master(F fn) {
    runtime::dispatch<master::master_process>(master_node->find("master"),
                                              std::move(fn));
    h.settle();
  }

  /// Runs `fn(agent_process&)` inside agent `index` (from 0), right away.
  template <class F>
  void inspect_agent(std::size_t index, F fn) {
    runtime::dispatch<agent::agent_process>(agent_nodes.at(index)->find("agent"),
                                            std::move(fn));
    h.settle();
  }

  /// What the agent with `options` kept in its work directory, if any, on
  /// `fs`.
  static agent::checkpoint kept_checkpoint(
      const agent::agent_options& options,
      runtime::file_system& fs = runtime::real_file_system()) {
    if (options.work_dir.empty())
      return {};
    // A disk that fails now and then fails a start now and then: the agent
    // is started again, as a supervisor would, until it recovers.
    auto kept = agent::checkpoint::recover(options.work_dir + "/meta", fs);
    for (int attempt = 1; !kept && attempt < 20; ++attempt)
      kept = agent::checkpoint::recover(options.work_dir + "/meta", fs);
    REQUIRE_MESSAGE(kept, (kept ? "" : kept.error().message));
    return std::move(*kept);
  }

  runtime::testing::harness h;
  /// Where the agents' checkpoints and the master's registry are kept.
  runtime::file_system* disk;
  /// Disks of their own for some agents, by index (set before adding them).
  std::map<std::size_t, runtime::file_system*> agent_disks;
  runtime::node* master_node = nullptr;
  runtime::node* framework_node = nullptr;
  address master_address;
  address allocator_address;
  std::vector<runtime::node*> agent_nodes;
  std::vector<address> agents;
  std::vector<agent::agent_options> agent_options;

 private:
  void start_master() {
    master::registry kept;
    if (!registry_dir_.empty()) {
      auto recovered = master::registry::recover(registry_dir_, *disk);
      for (int attempt = 1; !recovered && attempt < 20; ++attempt)
        recovered = master::registry::recover(registry_dir_, *disk);
      REQUIRE_MESSAGE(recovered, (recovered ? "" : recovered.error().message));
      kept = std::move(*recovered);
    }
    allocator_address = h.spawn<allocator::allocator_process>(
        *master_node, "allocator", master_address, allocator_options_);
    h.spawn<master::master_process>(*master_node, "master", allocator_address,
                                    master_options_, std::move(kept));
  }

  master::master_options master_options_;
  allocator::allocator_options allocator_options_;
  std::string registry_dir_;
};

}  // namespace mensa::test
