#include "tools/bench/cluster_bench/emulated_cluster.hpp"

#include <atomic>
#include <thread>

#include "actors/agent/agent_process.hpp"
#include "actors/allocator/allocator_process.hpp"
#include "actors/executor/simulated_containerizer.hpp"
#include "actors/master/master_process.hpp"
#include "runtime/dispatch.hpp"

namespace mensa::bench {

namespace {

// Asks every agent `ask(agent)` and adds up the answers; false if some
// agent did not answer within a minute.
template <class F>
bool sum_over_agents(runtime::node& n, const std::vector<std::string>& names, F ask,
                     std::size_t& sum) {
  auto total = std::make_shared<std::atomic<std::size_t>>(0);
  auto answered = std::make_shared<countdown>(names.size());
  for (auto& name : names)
    runtime::dispatch<agent::agent_process>(
        n.find(name), [total, answered, ask](agent::agent_process& agent) {
          *total += ask(agent);
          answered->count_down();
        });
  if (!answered->wait_for(std::chrono::minutes(1)))
    return false;
  sum = *total;
  return true;
}

}  // namespace

std::unique_ptr<runtime::node> start_node(const node_settings& settings) {
  auto cfg = std::make_unique<runtime::node_config>();
  cfg->worker_threads = settings.worker_threads;
  cfg->logging_level = settings.logging_level;
  auto started = runtime::node::start(std::move(cfg));
  if (!started)
    fail(started.error().message);
  return std::move(*started);
}

runtime::address spawn_master(runtime::node& n, const std::string& registry_dir) {
  master::registry kept;
  if (!registry_dir.empty()) {
    auto recovered = master::registry::recover(registry_dir);
    if (!recovered)
      fail("cannot recover the registry: " + recovered.error().message);
    kept = std::move(*recovered);
  }
  return spawn_master(n, std::move(kept));
}

runtime::address spawn_master(runtime::node& n, master::registry kept,
                              master::master_options options) {
  auto master = n.address_of("master");
  if (!master)
    fail(master.error().message);
  auto allocator = n.spawn<allocator::allocator_process>("allocator", *master);
  if (!allocator)
    fail(allocator.error().message);
  auto spawned = n.spawn<master::master_process>("master", *allocator,
                                                 std::move(options), std::move(kept));
  if (!spawned)
    fail(spawned.error().message);
  return *spawned;
}

emulated_agents::emulated_agents(runtime::node& n, const runtime::address& master,
                                 std::size_t count, const std::string& resources)
    : node_(n) {
  auto parsed = common::resources::parse(resources);
  if (!parsed)
    fail(parsed.error().message);
  for (std::size_t k = 1; k <= count; ++k) {
    agent::agent_options options;
    options.master = master;
    options.resources = *parsed;
    options.hostname = "emulated-" + std::to_string(k);
    options.work_dir = "/nonexistent/emulated";
    options.containerizer = executor::simulated_containerizer(n);
    auto name = "agent-" + std::to_string(k);
    if (auto spawned = n.spawn<agent::agent_process>(name, std::move(options));
        !spawned)
      fail(spawned.error().message);
    names_.push_back(name);
  }
}

bool emulated_agents::await_registration(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::size_t registered = 0;
    if (!sum_over_agents(
            node_, names_,
            [](agent::agent_process& agent) { return agent.registered() ? 1 : 0; },
            registered))
      return false;
    if (registered == names_.size())
      return true;
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::size_t emulated_agents::unacknowledged_streams() {
  std::size_t streams = 0;
  if (!sum_over_agents(
          node_, names_,
          [](agent::agent_process& agent) { return agent.updates().streams(); },
          streams))
    fail("the agents stopped answering");
  return streams;
}

workload_run run_frameworks(runtime::node& n, const runtime::address& master,
                            const std::string& name, std::size_t frameworks,
                            const workload& work, v1::TaskState target,
                            std::chrono::milliseconds timeout) {
  auto progress = std::make_shared<workload_progress>(work.tasks);
  stopwatch watch;
  for (std::size_t f = 0; f < frameworks; ++f) {
    auto share = work;
    share.tasks = work.tasks / frameworks + (f < work.tasks % frameworks ? 1 : 0);
    auto id = name + "-" + std::to_string(f + 1);
    if (auto spawned =
            n.spawn<bench_framework>(id, master, id, share, target, progress);
        !spawned)
      fail(spawned.error().message);
  }
  if (!progress->reached.wait_for(timeout))
    fail(name + ": tasks did not reach " + v1::TaskState_Name(target) + " in time");
  auto seconds = watch.wall_seconds();
  if (progress->failed > 0)
    fail(name + ": " + std::to_string(progress->failed.load()) +
         " tasks ended otherwise, first " + progress->first_failure);
  return {seconds, watch.cpu_seconds(), progress->offers.load()};
}

}  // namespace mensa::bench
