// tools/bench/cluster: the cluster's control plane with 1,000 emulated
// agents in one process, and real tasks through `mensa local` against a
// plain posix_spawn loop. Prints one JSON object per case.

#include <jemalloc/jemalloc.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "actors/common/master_address.hpp"
#include "runtime/testing/child_process.hpp"
#include "runtime/testing/temporary_directory.hpp"
#include "tools/bench/bench_report.hpp"
#include "tools/bench/cluster_bench/emulated_cluster.hpp"

extern char** environ;

namespace mensa::bench {

namespace {

using namespace std::chrono_literals;
using runtime::testing::child_process;

class cluster_bench_config : public runtime::node_config {
 public:
  cluster_bench_config() {
    // Tearing 1,000 agents down makes a warning each: errors only.
    logging_level = "error";
    usage =
        "Usage: tools/bench/cluster [flags]\n\n"
        "Measures the cluster: launches per second through the control plane\n"
        "with emulated agents in one process (each task a group of its own on\n"
        "its framework's default executor there), at several occupancies, with the\n"
        "master's memory per agent and per task (measured in a master process\n"
        "of its own, with jemalloc's thread caches off; per task after a\n"
        "warm-up burst of as many short tasks, because the buffers of the one\n"
        "connection to all emulated agents grow with a burst, not with the\n"
        "tasks held); and real tasks through `mensa local` against a plain\n"
        "posix_spawn loop. Prints one JSON object per case; a control-plane\n"
        "case also gives the offers the frameworks got per task and the\n"
        "process's CPU microseconds per task.";
    opt_group{custom_options_, "global"}
        .add(cases, "cases",
             "comma-separated subset of control_plane, real_processes (all)")
        .add(agents, "agents", "emulated agents (1000)")
        .add(frameworks, "frameworks", "frameworks launching tasks (10)")
        .add(tasks, "tasks", "tasks launched per control-plane run (100000)")
        .add(occupancies, "occupancies",
             "comma-separated shares of the cluster held by long-running tasks "
             "(0,0.5,0.9)")
        .add(real_tasks, "real_tasks", "tasks of the real_processes case (500)")
        .add(mensa, "mensa", "the mensa program (next to this build's bench)")
        .add(heap_profiles, "heap_profiles",
             "with MALLOC_CONF=prof:true, the master process writes a jemalloc "
             "heap profile PREFIX.N.heap at each memory report: 1 before the "
             "agents, 2 with them, 3 after the warm-up burst of tasks, 4 with "
             "the long-running tasks (for jeprof --base)")
        .add(serve_master, "serve_master",
             "internal: run a master and print its address");
  }

  std::string cases = "control_plane,real_processes";
  std::size_t agents = 1000;
  std::size_t frameworks = 10;
  std::size_t tasks = 100'000;
  std::string occupancies = "0,0.5,0.9";
  std::size_t real_tasks = 500;
  std::string mensa;
  std::string heap_profiles;
  bool serve_master = false;
};

// Every emulated agent offers 10 slots of the tasks' size.
constexpr const char* agent_resources = "cpus:10;mem:10240";
constexpr const char* task_resources = "cpus:1;mem:1024";
constexpr std::size_t slots_per_agent = 10;

// Returns the anonymous resident memory of process `pid` in bytes: its
// heap and stacks, without the program's mapped files.
double anonymous_memory_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("RssAnon:", 0) == 0)
      return std::stod(line.substr(8)) * 1024;
  fail("cannot read the memory of process " + std::to_string(pid));
}

std::string self_program() {
  return runtime::testing::executable_directory() + "/mensa-bench-cluster";
}

// Prints `memory <n>: <anonymous resident bytes> <live heap bytes>` after
// handing jemalloc's cached free pages back to the system, so that the
// figures count what the process keeps, not what it freed; and writes a
// heap profile `<heap_profiles>.<n>.heap` when asked.
void report_memory(int n, const std::string& heap_profiles) {
  if (!heap_profiles.empty()) {
    auto file = heap_profiles + "." + std::to_string(n) + ".heap";
    const char* name = file.c_str();
    if (mallctl("prof.dump", nullptr, nullptr, &name, sizeof(name)) != 0)
      std::fprintf(stderr, "cannot write %s: is MALLOC_CONF=prof:true set?\n", name);
  }
  auto purge = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
  mallctl(purge.c_str(), nullptr, nullptr, nullptr, 0);
  uint64_t epoch = 1;
  std::size_t size = sizeof(epoch);
  mallctl("epoch", &epoch, &size, &epoch, size);
  std::size_t allocated = 0;
  size = sizeof(allocated);
  mallctl("stats.allocated", &allocated, &size, nullptr, 0);
  std::printf("memory %d: %.0f %zu\n", n, anonymous_memory_of(getpid()), allocated);
  std::fflush(stdout);
}

// --serve_master: a master and its allocator, alone in this process, until
// stdin closes; each SIGUSR1 makes it report its memory.
int serve_master(const node_settings& settings, const std::string& heap_profiles) {
  // Blocked before any thread starts, so that only sigwait takes it.
  sigset_t report;
  sigemptyset(&report);
  sigaddset(&report, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &report, nullptr);
  auto n = start_node(settings);
  auto master = spawn_master(*n);
  std::printf("master: %s\n", master.str().c_str());
  std::fflush(stdout);
  std::thread([] {
    std::string ignored;
    while (std::getline(std::cin, ignored)) {
    }
    std::_Exit(0);
  }).detach();
  for (int reports = 1;; ++reports) {
    int signal = 0;
    sigwait(&report, &signal);
    report_memory(reports, heap_profiles);
  }
}

/// The memory a --serve_master process reports.
struct memory_report {
  double resident = 0;
  double heap = 0;
};

memory_report memory_of(child_process& master, int n) {
  master.signal(SIGUSR1);
  auto line = master.wait_for_line("memory " + std::to_string(n) + ": ", 30s);
  if (!line)
    fail("the master process did not report its memory: " + line.error().message);
  memory_report result;
  std::istringstream(*line) >> result.resident >> result.heap;
  return result;
}

// Waits until the agents saw every status update acknowledged.
void await_acknowledgements(emulated_agents& agents) {
  auto deadline = std::chrono::steady_clock::now() + 1min;
  while (agents.unacknowledged_streams() > 0) {
    if (std::chrono::steady_clock::now() > deadline)
      fail("status updates stayed unacknowledged");
    std::this_thread::sleep_for(10ms);
  }
}

// The tasks that hold `occupancy` of an agent.
std::size_t tasks_per_agent(double occupancy) {
  return static_cast<std::size_t>(std::lround(occupancy * slots_per_agent));
}

// Fills `occupancy` of every agent with tasks that run until killed, by a
// framework of their own; returns how many it started.
std::size_t fill(runtime::node& n, const runtime::address& master, std::size_t agents,
                 double occupancy) {
  auto per_agent = tasks_per_agent(occupancy);
  if (per_agent == 0)
    return 0;
  workload filler{agents * per_agent, "run until killed", task_resources, per_agent};
  run_frameworks(n, master, "filler", 1, filler, v1::TASK_RUNNING, 5min);
  return filler.tasks;
}

/// How fast tasks went through the control plane.
struct launch_rate {
  double per_second = 0;
  double offers_per_task = 0;
  double cpu_us_per_task = 0;
};

// Launches per second, end to end, with everything in one process, and the
// offers the frameworks got per task launched.
launch_rate launches_per_second(const cluster_bench_config& cfg,
                                const node_settings& settings, double occupancy) {
  auto n = start_node(settings);
  auto master = spawn_master(*n);
  emulated_agents agents(*n, master, cfg.agents, agent_resources);
  if (!agents.await_registration(2min))
    fail("the emulated agents did not register");
  fill(*n, master, cfg.agents, occupancy);
  workload work{cfg.tasks, "true", task_resources, 0};
  auto run = run_frameworks(*n, master, "bench", cfg.frameworks, work,
                            v1::TASK_FINISHED, 10min);
  // End to end means acknowledged: every agent saw the last acknowledgement.
  await_acknowledgements(agents);
  auto tasks = static_cast<double>(cfg.tasks);
  return {tasks / run.seconds, static_cast<double>(run.offers) / tasks,
          run.cpu_seconds * 1e6 / tasks};
}

struct master_memory {
  double per_agent = 0;
  double per_task = 0;
  double heap_per_agent = 0;
  double heap_per_task = 0;
  std::size_t tasks = 0;
};

// The environment of the master process whose memory is measured: jemalloc
// without its thread caches, so that the free blocks each thread keeps
// (bounded, but up to about a megabyte over the workers, filled as the
// agents register) do not count as the master's. The user's MALLOC_CONF
// (say, prof:true for --heap_profiles) is kept.
std::vector<std::string> measured_master_environment() {
  std::string conf = "tcache:false";
  if (const char* given = std::getenv("MALLOC_CONF"); given != nullptr && *given != 0)
    conf = std::string(given) + "," + conf;
  return {"MALLOC_CONF=" + conf};
}

// The master's memory: a master process of its own, its anonymous memory
// (and live heap) before the agents and after they registered; then, after
// a burst of tasks like the long-running ones but running `true` (so that
// the buffers of the one connection to all the emulated agents reached
// their high-water mark, which is not a cost per task: see the help), with
// the tasks of `occupancy` running and every update acknowledged.
master_memory measure_master_memory(const cluster_bench_config& cfg,
                                    const node_settings& settings, double occupancy) {
  std::vector<std::string> command{
      self_program(), "--serve_master",
      "--worker_threads=" + std::to_string(settings.worker_threads),
      "--logging_level=" + settings.logging_level};
  if (!cfg.heap_profiles.empty())
    command.push_back("--heap_profiles=" + cfg.heap_profiles);
  auto child = child_process::start(command, measured_master_environment());
  if (!child)
    fail(child.error().message);
  auto line = child->wait_for_line("master: ", 30s);
  if (!line)
    fail("the master process did not start: " + line.error().message);
  auto master = common::parse_master_address(*line);
  if (!master)
    fail(master.error().message);
  auto before = memory_of(*child, 1);
  auto n = start_node(settings);
  emulated_agents agents(*n, *master, cfg.agents, agent_resources);
  if (!agents.await_registration(2min))
    fail("the emulated agents did not register with the master process");
  auto with_agents = memory_of(*child, 2);
  master_memory result;
  auto agent_count = static_cast<double>(cfg.agents);
  result.per_agent = (with_agents.resident - before.resident) / agent_count;
  result.heap_per_agent = (with_agents.heap - before.heap) / agent_count;
  auto per_agent = tasks_per_agent(occupancy);
  if (per_agent == 0)
    return result;
  workload warm_up{cfg.agents * per_agent, "true", task_resources, per_agent};
  run_frameworks(*n, *master, "warm-up", 1, warm_up, v1::TASK_FINISHED, 5min);
  await_acknowledgements(agents);
  auto warmed_up = memory_of(*child, 3);
  result.tasks = fill(*n, *master, cfg.agents, occupancy);
  await_acknowledgements(agents);
  auto with_tasks = memory_of(*child, 4);
  auto task_count = static_cast<double>(result.tasks);
  result.per_task = (with_tasks.resident - warmed_up.resident) / task_count;
  result.heap_per_task = (with_tasks.heap - warmed_up.heap) / task_count;
  return result;
}

void control_plane(const cluster_bench_config& cfg, const node_settings& settings) {
  for (auto occupancy : parse_numbers("occupancies", cfg.occupancies, 0, 1)) {
    auto rate = launches_per_second(cfg, settings, occupancy);
    auto memory = measure_master_memory(cfg, settings, occupancy);
    std::vector<std::pair<std::string, double>> figures{
        {"launches_per_s", rate.per_second},
        {"offers_per_task", rate.offers_per_task},
        {"cpu_us_per_task", rate.cpu_us_per_task},
        {"bytes_per_agent", memory.per_agent},
        {"heap_bytes_per_agent", memory.heap_per_agent}};
    if (memory.tasks > 0) {
      figures.emplace_back("bytes_per_task", memory.per_task);
      figures.emplace_back("heap_bytes_per_task", memory.heap_per_task);
    }
    print_result("control_plane",
                 {number("agents", static_cast<double>(cfg.agents)),
                  number("frameworks", static_cast<double>(cfg.frameworks)),
                  number("occupancy", occupancy),
                  number("tasks", static_cast<double>(cfg.tasks))},
                 figures);
  }
}

// posix_spawn and wait for `true`, `count` times, one after another.
double posix_spawn_per_second(std::size_t count) {
  char arg0[] = "true";
  char* argv[] = {arg0, nullptr};
  stopwatch watch;
  for (std::size_t i = 0; i < count; ++i) {
    pid_t pid = -1;
    if (posix_spawnp(&pid, "true", nullptr, nullptr, argv, environ) != 0)
      fail("posix_spawn of true failed");
    int status = 0;
    waitpid(pid, &status, 0);
  }
  return static_cast<double>(count) / watch.wall_seconds();
}

// `count` tasks running `true` through `mensa local --agents 2` and
// `mensa execute`, as a user runs them; tasks per second from the start of
// `mensa execute` to its end.
double real_tasks_per_second(const cluster_bench_config& cfg, std::size_t count) {
  auto made = runtime::testing::make_temporary_directory("cluster-bench");
  if (!made)
    fail(made.error().message);
  auto work_dir = *made;
  auto local =
      child_process::start({mensa_program(cfg.mensa), "local", "--agents=2", "--port=0",
                            "--logging_level=warning", "--work_dir=" + work_dir});
  if (!local)
    fail(local.error().message);
  auto master = local->wait_for_line("master: listening at ", 30s);
  if (!master)
    fail("mensa local did not start: " + master.error().message);
  stopwatch watch;
  auto execute = child_process::start(
      {mensa_program(cfg.mensa), "execute", "--master=" + *master, "--command=true",
       "--instances=" + std::to_string(count), "--logging_level=warning"});
  if (!execute)
    fail(execute.error().message);
  auto code = execute->wait(10min);
  auto seconds = watch.wall_seconds();
  if (!code || *code != 0)
    fail("mensa execute failed: " +
         (code ? "exit code " + std::to_string(*code) : code.error().message));
  std::error_code ignored;
  std::filesystem::remove_all(work_dir, ignored);
  return static_cast<double>(count) / seconds;
}

void real_processes(const cluster_bench_config& cfg) {
  auto spawns = posix_spawn_per_second(cfg.real_tasks);
  auto tasks = real_tasks_per_second(cfg, cfg.real_tasks);
  print_result(
      "real_processes",
      {number("tasks", static_cast<double>(cfg.real_tasks)), number("agents", 2)},
      {{"tasks_per_s", tasks},
       {"posix_spawn_per_s", spawns},
       {"ratio_vs_posix_spawn", tasks / spawns}});
}

}  // namespace

}  // namespace mensa::bench

int main(int argc, char** argv) {
  using namespace mensa::bench;
  cluster_bench_config cfg;
  if (auto code = cfg.parse_command_line("bench", argc, argv); code >= 0)
    return code;
  node_settings settings{cfg.worker_threads, cfg.logging_level};
  if (cfg.serve_master)
    return serve_master(settings, cfg.heap_profiles);
  if (selected(cfg.cases, "control_plane"))
    control_plane(cfg, settings);
  if (selected(cfg.cases, "real_processes"))
    real_processes(cfg);
  return 0;
}
