// `mensa local`: a master, its allocator and N agents in one process.

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "actors/agent/resource_detection.hpp"
#include "tools/mensa/cluster_flags.hpp"
#include "tools/mensa/command.hpp"
#include "tools/mensa/termination_signals.hpp"

namespace mensa::tools {

namespace {

class local_config : public runtime::node_config {
 public:
  local_config() {
    port = 5050;
    agent.work_dir = "/tmp/mensa-local";
    usage =
        "Usage: mensa local [--agents=N] [flags]\n\n"
        "Runs a whole cluster in this process: a master and N agents on\n"
        "--ip:--port (127.0.0.1:5050 by default), so frameworks and more agents\n"
        "can join from other processes; HTTP frameworks POST to\n"
        "http://--ip:--port/api/v1/scheduler, operators to /api/v1. Each agent\n"
        "gets an equal share of the machine unless --resources says what each\n"
        "one offers. Sandboxes live under --work_dir (/tmp/mensa-local). Stop it\n"
        "with Ctrl-C.";
    opt_group{custom_options_, "global"}.add(agents, "agents", "agents to run (2)");
    declare_master_flags(custom_options_, master);
    declare_agent_flags(custom_options_, agent, false);
  }

  std::size_t agents = 2;
  master_flags master;
  agent_flags agent;
};

// Returns share `k` (from 0) of `n` of the machine's resources: scalars
// divided (memory and disk in whole MB), the first range split.
std::string share_of(const common::resources& machine, std::size_t n, std::size_t k) {
  common::resources share;
  for (auto r : machine.entries()) {
    if (r.type() == v1::Value::SCALAR) {
      auto part = r.scalar().value() / static_cast<double>(n);
      r.mutable_scalar()->set_value(r.name() == "cpus" ? common::round_scalar(part)
                                                       : std::floor(part));
    } else if (r.type() == v1::Value::RANGES && r.ranges().range_size() > 0) {
      auto range = r.ranges().range(0);
      auto width = (range.end() - range.begin() + 1) / n;
      if (width == 0)
        continue;
      auto* only = r.mutable_ranges();
      only->clear_range();
      auto* part = only->add_range();
      part->set_begin(range.begin() + k * width);
      part->set_end(range.begin() + (k + 1) * width - 1);
    }
    share.add(r);
  }
  return share.to_string();
}

}  // namespace

int run_local(int argc, char** argv) {
  block_termination_signals();
  auto cfg = std::make_unique<local_config>();
  if (auto code = cfg->parse_command_line("mensa local", argc, argv); code >= 0)
    return code;
  if (cfg->agents == 0) {
    std::fprintf(stderr, "mensa local: --agents must be at least 1\n");
    return 2;
  }
  auto master_settings = cfg->master;
  auto agent_settings = cfg->agent;
  auto agents = cfg->agents;
  auto machine =
      agent::agent_resources(agent_settings.resources, agent_settings.work_dir);
  if (!machine) {
    std::fprintf(stderr, "mensa local: %s\n", machine.error().message.c_str());
    return 2;
  }
  runtime::event_loop loop;
  runtime::child_processes children(loop);
  auto started = runtime::node::start(std::move(cfg));
  if (!started) {
    std::fprintf(stderr, "mensa local: %s\n", started.error().message.c_str());
    return 1;
  }
  auto& n = **started;
  auto master = spawn_master(n, master_settings);
  if (!master) {
    std::fprintf(stderr, "mensa local: %s\n", master.error().message.c_str());
    return 1;
  }
  await_master_started(n);
  std::printf("master: listening at %s\n", master->str().c_str());
  std::printf(
      "master: HTTP at %s (/master/state, /api/v1, /api/v1/scheduler, /metrics)\n",
      n.http_url().c_str());
  for (std::size_t k = 0; k < agents; ++k) {
    auto settings = agent_settings;
    auto name = "agent-" + std::to_string(k + 1);
    settings.work_dir = agent_settings.work_dir + "/" + name;
    settings.recover = false;
    auto resources = agent_settings.resources.empty() ? share_of(*machine, agents, k)
                                                      : agent_settings.resources;
    auto agent = spawn_agent(n, name, settings, *master, children, resources);
    if (!agent) {
      std::fprintf(stderr, "mensa local: %s\n", agent.error().message.c_str());
      return 1;
    }
    std::printf("%s: %s, sandboxes in %s\n", agent->str().c_str(), resources.c_str(),
                settings.work_dir.c_str());
  }
  std::fflush(stdout);
  await_termination_signal();
  return 0;
}

}  // namespace mensa::tools
