// `mensa master`: a node running the master and its allocator.

#include <cstdio>
#include <memory>

#include "caf/config_option_adder.hpp"
#include "tools/mensa/cluster_flags.hpp"
#include "tools/mensa/command.hpp"
#include "tools/mensa/termination_signals.hpp"

namespace mensa::tools {

namespace {

class master_config : public runtime::node_config {
 public:
  master_config() {
    port = 5050;
    usage =
        "Usage: mensa master [flags]\n\n"
        "Runs a master (and its allocator) on --ip:--port (127.0.0.1:5050 by\n"
        "default). Agents join with 'mensa agent --master=HOST:PORT', frameworks\n"
        "subscribe to master@HOST:PORT. Stop it with Ctrl-C.\n\n"
        "With --work_dir the master keeps its registry (admitted agents,\n"
        "weights, quota) there and recovers it when restarted: agents and\n"
        "frameworks come back with their IDs and tasks keep running.";
    declare_master_flags(custom_options_, flags);
    caf::config_option_adder{custom_options_, "global"}.add(
        flags.work_dir, "work_dir",
        "directory for the registry (default: none, nothing survives the master)");
  }

  master_flags flags;
};

}  // namespace

int run_master(int argc, char** argv) {
  block_termination_signals();
  auto cfg = std::make_unique<master_config>();
  if (auto code = cfg->parse_command_line("mensa master", argc, argv); code >= 0)
    return code;
  auto flags = cfg->flags;
  auto started = runtime::node::start(std::move(cfg));
  if (!started) {
    std::fprintf(stderr, "mensa master: %s\n", started.error().message.c_str());
    return 1;
  }
  auto master = spawn_master(**started, flags);
  if (!master) {
    std::fprintf(stderr, "mensa master: %s\n", master.error().message.c_str());
    return 1;
  }
  std::printf("master: listening at %s\n", master->str().c_str());
  std::fflush(stdout);
  await_termination_signal();
  return 0;
}

}  // namespace mensa::tools
