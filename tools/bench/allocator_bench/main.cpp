// tools/bench/allocator: the allocator alone (the plain C++ allocator the
// actor feeds, as Mesos's allocator benchmarks drive theirs), over a grid
// of cluster sizes, role counts (with quota on each role when there are
// several) and occupancies. Each grid point runs in a child process of its
// own, so its memory is its own. Prints one JSON object per point.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "actors/allocator/hierarchical_allocator.hpp"
#include "runtime/node_config.hpp"
#include "tools/bench/bench_report.hpp"

namespace mensa::bench {

namespace {

using allocator::hierarchical_allocator;
using clock_type = std::chrono::steady_clock;

class allocator_bench_config : public runtime::node_config {
 public:
  allocator_bench_config() {
    usage =
        "Usage: tools/bench/allocator [flags]\n\n"
        "Measures the allocator alone over a grid: agents x frameworks, in one\n"
        "role or spread over many (each with a quota guarantee of half its equal\n"
        "part and a limit of twice it; frameworks take several roles when there\n"
        "are more roles than frameworks), at\n"
        "several occupancies (long-running tasks holding that share of every\n"
        "agent). Figures: time to add all agents, a full cycle (every agent's\n"
        "free resources offered; median and p99 of --cycles), a cycle with\n"
        "nothing to offer, and the process's memory. One JSON object per point.";
    opt_group{custom_options_, "global"}
        .add(sizes, "sizes",
             "comma-separated AGENTSxFRAMEWORKS "
             "(1000x100,5000x500,10000x1000,20000x2000,50000x1000)")
        .add(roles, "roles", "comma-separated role counts (1,100,3000)")
        .add(occupancies, "occupancies", "comma-separated occupancies (0,0.5,0.9)")
        .add(cycles, "cycles", "full cycles measured per point (20)");
  }

  std::string sizes = "1000x100,5000x500,10000x1000,20000x2000,50000x1000";
  std::string roles = "1,100,3000";
  std::string occupancies = "0,0.5,0.9";
  std::size_t cycles = 20;
};

struct grid_point {
  std::size_t agents;
  std::size_t frameworks;
  std::size_t roles;
  double occupancy;
};

// An agent like Mesos's benchmarks use, with ports to make offers real.
constexpr double agent_cpus = 24;
constexpr double agent_mem = 65536;
constexpr double agent_disk = 102400;

double milliseconds_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

double rss_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
         (1024.0 * 1024.0);
}

std::string role_name(std::size_t i, std::size_t roles) {
  return roles == 1 ? std::string("*") : "role-" + std::to_string(i);
}

// IDs as the master makes them: a long common prefix, a counter.
std::string agent_id(std::size_t i) {
  return "0c3f6a5e-8d2b-4e71-9a65-3b8f0d9c1e27-S" + std::to_string(i);
}

std::string framework_id(std::size_t i) {
  return "0c3f6a5e-8d2b-4e71-9a65-3b8f0d9c1e27-" + std::to_string(10000 + i);
}

common::resources agent_resources() {
  return *common::resources::parse(
      "cpus:" + std::to_string(agent_cpus) + ";mem:" + std::to_string(agent_mem) +
      ";disk:" + std::to_string(agent_disk) + ";ports:[31000-32000]");
}

void run_point(const grid_point& point, std::size_t cycles) {
  hierarchical_allocator allocator;
  auto now = hierarchical_allocator::time_point{};
  // Every role has a framework: with more roles than frameworks, each
  // framework takes several (Mesos's multi-role frameworks).
  for (std::size_t f = 0; f < point.frameworks; ++f) {
    std::vector<std::string> roles{role_name(f % point.roles, point.roles)};
    for (auto r = f + point.frameworks; r < point.roles; r += point.frameworks)
      roles.push_back(role_name(r, point.roles));
    allocator.add_framework(framework_id(f), roles, true, {});
  }
  if (point.roles > 1) {
    // Each role: a guarantee of half its equal part, a limit of twice it.
    auto n = static_cast<double>(point.agents) / static_cast<double>(point.roles);
    std::map<std::string, allocator::role_quota> quotas;
    for (std::size_t r = 0; r < point.roles; ++r) {
      auto& quota = quotas[role_name(r, point.roles)];
      quota.guarantees.set("cpus", 0.5 * n * agent_cpus);
      quota.guarantees.set("mem", 0.5 * n * agent_mem);
      quota.limits["cpus"] = 2 * n * agent_cpus;
      quota.limits["mem"] = 2 * n * agent_mem;
    }
    allocator.set_quotas(std::move(quotas));
  }
  auto total = agent_resources();
  auto start = clock_type::now();
  for (std::size_t a = 0; a < point.agents; ++a)
    allocator.add_agent(agent_id(a), total);
  auto add_agents_s = milliseconds_since(start) / 1000.0;
  // Long-running tasks hold `occupancy` of every agent.
  if (point.occupancy > 0) {
    auto used = *common::resources::parse(
        "cpus:" + std::to_string(agent_cpus * point.occupancy) +
        ";mem:" + std::to_string(agent_mem * point.occupancy));
    for (std::size_t a = 0; a < point.agents; ++a) {
      auto f = a % point.frameworks;
      allocator.add_used(framework_id(f), agent_id(a),
                         used.allocated_to(role_name(f % point.roles, point.roles)));
    }
  }
  std::vector<double> cycle_ms;
  std::size_t offers = 0;
  double empty_cycle_ms = 0;
  for (std::size_t c = 0; c < cycles; ++c) {
    now += std::chrono::seconds(1);
    start = clock_type::now();
    auto allocations = allocator.allocate(now, c + 1);
    cycle_ms.push_back(milliseconds_since(start));
    offers = allocations.size();
    if (c + 1 == cycles) {
      // Everything is offered now: a cycle has nothing left to offer.
      start = clock_type::now();
      auto none = allocator.allocate(now, c + 2);
      empty_cycle_ms = milliseconds_since(start);
      if (!none.empty())
        std::fprintf(stderr, "allocator bench: the empty cycle made %zu offers\n",
                     none.size());
    }
    // Every offer is declined without a filter: the next cycle starts over.
    for (auto& a : allocations)
      allocator.recover(a.framework_id, a.agent_id, a.resources, std::nullopt, now);
  }
  print_result("allocator",
               {number("agents", static_cast<double>(point.agents)),
                number("frameworks", static_cast<double>(point.frameworks)),
                number("roles", static_cast<double>(point.roles)),
                word("quota", point.roles > 1 ? "yes" : "no"),
                number("occupancy", point.occupancy)},
               {{"add_agents_s", add_agents_s},
                {"cycle_ms_median", median(cycle_ms)},
                {"cycle_ms_p99", percentile(cycle_ms, 0.99)},
                {"empty_cycle_ms", empty_cycle_ms},
                {"offers_per_cycle", static_cast<double>(offers)},
                {"rss_mb", rss_mb()}});
}

}  // namespace

}  // namespace mensa::bench

int main(int argc, char** argv) {
  using namespace mensa::bench;
  allocator_bench_config cfg;
  if (auto code = cfg.parse_command_line("bench", argc, argv); code >= 0)
    return code;
  std::vector<grid_point> grid;
  auto roles = parse_numbers("roles", cfg.roles, 1, 1e6);
  auto occupancies = parse_numbers("occupancies", cfg.occupancies, 0, 1);
  for (auto& size : mensa::runtime::split_list(cfg.sizes)) {
    auto x = size.find('x');
    if (x == std::string::npos) {
      std::fprintf(stderr, "bench: --sizes takes AGENTSxFRAMEWORKS, not '%s'\n",
                   size.c_str());
      return 2;
    }
    auto agents = parse_numbers("sizes", size.substr(0, x), 1, 1e7).front();
    auto frameworks = parse_numbers("sizes", size.substr(x + 1), 1, 1e6).front();
    for (auto role_count : roles)
      for (auto occupancy : occupancies)
        grid.push_back({static_cast<std::size_t>(agents),
                        static_cast<std::size_t>(frameworks),
                        static_cast<std::size_t>(role_count), occupancy});
  }
  std::fflush(stdout);
  for (auto& point : grid) {
    auto child = fork();
    if (child == 0) {
      run_point(point, std::max<std::size_t>(cfg.cycles, 1));
      std::fflush(stdout);
      _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "allocator bench: a grid point failed\n");
      return 1;
    }
  }
  return 0;
}
