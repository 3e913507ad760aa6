// tools/bench/failover: how fast the cluster comes back from failures.
// `failover`: a master with thousands of emulated agents and many running
// tasks in one process is killed and started again on its registry; the
// figure is the time from the new master's start to every agent
// reregistered and every framework subscribed again. `agent_loss`: a real
// agent process is killed (or stopped, silent) under a real master; the
// figure is the time until the framework hears that its task is lost.
// Prints one JSON object per case.

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "actors/master/master_process.hpp"
#include "runtime/dispatch.hpp"
#include "runtime/testing/child_process.hpp"
#include "runtime/testing/temporary_directory.hpp"
#include "runtime/testing/zookeeper_server.hpp"
#include "runtime/zookeeper_log.hpp"
#include "tools/bench/bench_report.hpp"
#include "tools/bench/cluster_bench/emulated_cluster.hpp"
#include "tools/bench/failover_bench/loss_watcher.hpp"

namespace mensa::bench {

namespace {

using namespace std::chrono_literals;
using runtime::testing::child_process;

class failover_bench_config : public runtime::node_config {
 public:
  failover_bench_config() {
    logging_level = "error";
    usage =
        "Usage: tools/bench/failover [flags]\n\n"
        "Measures recovery from failures. failover: a master with --agents\n"
        "emulated agents and --tasks running tasks in one process is killed and\n"
        "started again on its registry; reregistered_s is the time until every\n"
        "agent reregistered and every framework subscribed again. agent_loss: a\n"
        "real agent process is killed (cause kill) or stopped (cause silence);\n"
        "detect_s is the time until the framework hears its task is lost.\n"
        "With --registry=zookeeper the failover case keeps the registry in a\n"
        "ZooKeeper server the bench starts (zookeeperd), as masters started\n"
        "with --zk do.\n"
        "Prints one JSON object per case.";
    opt_group{custom_options_, "global"}
        .add(cases, "cases", "comma-separated subset of failover, agent_loss (all)")
        .add(agents, "agents", "emulated agents of the failover case (10000)")
        .add(tasks, "tasks", "running tasks of the failover case (100000)")
        .add(frameworks, "frameworks", "frameworks running them (10)")
        .add(registry, "registry",
             "where the failover case keeps the registry: file or zookeeper (file)")
        .add(causes, "causes", "agent_loss causes: kill, silence (both)")
        .add(mensa, "mensa", "the mensa program (next to this build's bench)");
  }

  std::string cases = "failover,agent_loss";
  std::size_t agents = 10'000;
  std::size_t tasks = 100'000;
  std::size_t frameworks = 10;
  std::string registry = "file";
  std::string causes = "kill,silence";
  std::string mensa;
};

// What the master says of the cluster: agents registered, frameworks
// subscribed.
struct master_view {
  std::size_t registered_agents = 0;
  std::size_t active_frameworks = 0;
};

master_view look_at_master(runtime::node& n) {
  auto answer = std::make_shared<std::promise<master_view>>();
  auto seen = answer->get_future();
  auto master = n.find("master");
  if (!master)
    fail("the master is gone");
  runtime::dispatch<master::master_process>(
      master, [answer](master::master_process& m) {
        master_view view;
        for (auto& [id, agent] : m.agents())
          view.registered_agents +=
              agent.state == master::agent_state::registered ? 1 : 0;
        for (auto& [id, framework] : m.frameworks())
          view.active_frameworks +=
              framework.state == master::framework_state::active ? 1 : 0;
        answer->set_value(view);
      });
  if (seen.wait_for(1min) != std::future_status::ready)
    fail("the master did not answer");
  return seen.get();
}

// Kills the master and its allocator as SIGKILL would kill their process.
void kill_master(runtime::node& n) {
  for (auto* name : {"master", "allocator"}) {
    auto process = n.find(name);
    if (!process)
      fail(std::string(name) + " is not running");
    caf::anon_send_exit(process, caf::exit_reason::kill);
  }
  auto deadline = std::chrono::steady_clock::now() + 1min;
  while (n.find("master") || n.find("allocator")) {
    if (std::chrono::steady_clock::now() > deadline)
      fail("the master did not stop");
    std::this_thread::sleep_for(1ms);
  }
}

// Where the failover case keeps the registry: a directory, or a ZooKeeper
// server of its own (under a fence, as an elected master does).
class registry_store {
 public:
  registry_store(const std::string& kind, std::string directory)
      : directory_(std::move(directory)) {
    if (kind == "file")
      return;
    if (kind != "zookeeper")
      fail("invalid --registry '" + kind + "': expected file or zookeeper");
    auto started = runtime::testing::zookeeper_server::start(1min);
    if (!started)
      fail("cannot start ZooKeeper: " + started.error().message);
    server_.emplace(std::move(*started));
    auto session = runtime::zookeeper_session::start(server_->servers(), 10s, {});
    if (!session || !(*session)->wait_connected(1min))
      fail("cannot connect to ZooKeeper at " + server_->servers());
    session_ = std::move(*session);
    if (auto made = session_->create_path("/bench"); !made)
      fail(made.error().message);
    auto fence = session_->create("/bench/leader", "", true, false);
    if (!fence)
      fail(fence.error().message);
    fence_ = *fence;
  }

  // Recovers what the registry holds, as a master starting on it does.
  master::registry recover() {
    if (!server_) {
      auto recovered = master::registry::recover(directory_);
      if (!recovered)
        fail("cannot recover the registry: " + recovered.error().message);
      return std::move(*recovered);
    }
    runtime::durable_log::contents found;
    auto log = runtime::zookeeper_log::open(session_, "/bench/registry", fence_, found);
    if (!log)
      fail("cannot open the registry: " + log.error().message);
    auto recovered = master::registry::recover(std::move(*log), found);
    if (!recovered)
      fail("cannot recover the registry: " + recovered.error().message);
    return std::move(*recovered);
  }

 private:
  std::string directory_;
  std::optional<runtime::testing::zookeeper_server> server_;
  std::shared_ptr<runtime::zookeeper_session> session_;
  std::string fence_;
};

void failover(const failover_bench_config& cfg, const node_settings& settings) {
  if (cfg.agents == 0 || cfg.tasks % cfg.agents != 0)
    fail("--tasks must be a multiple of --agents (" + std::to_string(cfg.agents) + ")");
  if (cfg.frameworks == 0)
    fail("--frameworks must be at least 1");
  auto per_agent = cfg.tasks / cfg.agents;
  auto dir = runtime::testing::make_temporary_directory("failover-bench");
  if (!dir)
    fail(dir.error().message);
  auto kept = registry_store(cfg.registry, *dir + "/registry");
  auto n = start_node(settings);
  auto master = spawn_master(*n, kept.recover());
  auto agent_resources =
      "cpus:" + std::to_string(per_agent) + ";mem:" + std::to_string(per_agent * 64);
  emulated_agents agents(*n, master, cfg.agents, agent_resources);
  if (!agents.await_registration(5min))
    fail("the emulated agents did not register");
  workload work{cfg.tasks, "run until killed", "cpus:1;mem:64", per_agent};
  auto launch_s =
      run_frameworks(*n, master, "bench", cfg.frameworks, work, v1::TASK_RUNNING, 20min)
          .seconds;
  auto deadline = std::chrono::steady_clock::now() + 5min;
  while (agents.unacknowledged_streams() > 0) {
    if (std::chrono::steady_clock::now() > deadline)
      fail("status updates stayed unacknowledged");
    std::this_thread::sleep_for(10ms);
  }

  kill_master(*n);
  stopwatch watch;
  spawn_master(*n, kept.recover());
  auto recovered_s = watch.wall_seconds();
  double agents_s = 0;
  double frameworks_s = 0;
  deadline = std::chrono::steady_clock::now() + 10min;
  while (agents_s == 0 || frameworks_s == 0) {
    if (std::chrono::steady_clock::now() > deadline)
      fail("the cluster did not come back to the new master");
    auto view = look_at_master(*n);
    auto now = watch.wall_seconds();
    if (agents_s == 0 && view.registered_agents == cfg.agents)
      agents_s = now;
    if (frameworks_s == 0 && view.active_frameworks == cfg.frameworks)
      frameworks_s = now;
    std::this_thread::sleep_for(2ms);
  }
  print_result("failover",
               {number("agents", static_cast<double>(cfg.agents)),
                number("tasks", static_cast<double>(cfg.tasks)),
                number("frameworks", static_cast<double>(cfg.frameworks)),
                word("registry", cfg.registry)},
               {{"reregistered_s", std::max(agents_s, frameworks_s)},
                {"agents_reregistered_s", agents_s},
                {"frameworks_resubscribed_s", frameworks_s},
                {"registry_recovery_s", recovered_s},
                {"launch_s", launch_s}});
}

// A master and one agent as processes of their own; a framework here runs
// a task there; the agent is killed (or stopped) and the framework waits
// to hear the task is lost.
void agent_loss(const failover_bench_config& cfg, const node_settings& settings,
                const std::string& cause) {
  auto dir = runtime::testing::make_temporary_directory("agent-loss-bench");
  if (!dir)
    fail(dir.error().message);
  auto program = mensa_program(cfg.mensa);
  auto master =
      child_process::start({program, "master", "--port=0", "--logging_level=error"});
  if (!master)
    fail(master.error().message);
  auto listening = master->wait_for_line("master: listening at ", 30s);
  if (!listening)
    fail("the master did not start: " + listening.error().message);
  auto address = runtime::address::parse(*listening);
  if (!address)
    fail(address.error().message);
  auto agent =
      child_process::start({program, "agent", "--port=0", "--logging_level=error",
                            "--master=" + std::string(address->endpoint()),
                            "--work_dir=" + *dir, "--resources=cpus:1;mem:256"});
  if (!agent)
    fail(agent.error().message);
  if (!agent->wait_for_line("agent: listening at ", 30s))
    fail("the agent did not start");
  auto n = start_node(settings);
  auto report = std::make_shared<loss_report>(1);
  if (auto spawned = n->spawn<loss_watcher>("watcher", *address, report); !spawned)
    fail(spawned.error().message);
  if (!report->running.wait_for(1min))
    fail("the task did not start");
  auto before = std::chrono::steady_clock::now();
  agent->signal(cause == "kill" ? SIGKILL : SIGSTOP);
  if (!report->lost.wait_for(10min))
    fail("the framework never heard its task was lost");
  auto detect_s = std::chrono::duration<double>(
                      std::chrono::steady_clock::time_point(
                          std::chrono::steady_clock::duration(report->lost_at.load())) -
                      before)
                      .count();
  agent->signal(SIGKILL);
  agent->signal(SIGCONT);
  std::fprintf(stderr, "agent_loss %s: the framework heard %s\n", cause.c_str(),
               report->how.c_str());
  print_result("agent_loss", {word("cause", cause)}, {{"detect_s", detect_s}});
  std::fflush(stdout);
}

}  // namespace

}  // namespace mensa::bench

int main(int argc, char** argv) {
  using namespace mensa::bench;
  failover_bench_config cfg;
  if (auto code = cfg.parse_command_line("bench", argc, argv); code >= 0)
    return code;
  node_settings settings{cfg.worker_threads, cfg.logging_level};
  if (selected(cfg.cases, "failover"))
    failover(cfg, settings);
  if (selected(cfg.cases, "agent_loss"))
    for (auto* cause : {"kill", "silence"})
      if (selected(cfg.causes, cause))
        agent_loss(cfg, settings, cause);
  return 0;
}
