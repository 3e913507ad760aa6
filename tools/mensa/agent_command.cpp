// `mensa agent`: a node running an agent that registers with a master and
// runs tasks as OS processes.

#include <atomic>
#include <cstdio>
#include <memory>

#include "actors/agent/agent_process.hpp"
#include "actors/common/master_detector.hpp"
#include "runtime/process_handle.hpp"
#include "tools/mensa/cluster_flags.hpp"
#include "tools/mensa/command.hpp"
#include "tools/mensa/termination_signals.hpp"

namespace mensa::tools {

namespace {

class agent_config : public runtime::node_config {
 public:
  agent_config() {
    port = 5051;
    usage =
        "Usage: mensa agent --master=HOST:PORT --work_dir=DIR [flags]\n\n"
        "Runs an agent on --ip:--port (127.0.0.1:5051 by default) that registers\n"
        "with the master and runs tasks in sandboxes under --work_dir. Stop it\n"
        "with Ctrl-C (exit 0). If the master shuts it down (it was marked gone,\n"
        "say) it exits 1. With --master=zk://HOST:PORT/PATH it follows whichever\n"
        "master leads there (masters started with the same --zk).";
    declare_agent_flags(custom_options_, flags, true);
  }

  agent_flags flags;
};

}  // namespace

int run_agent(int argc, char** argv) {
  block_termination_signals();
  auto cfg = std::make_unique<agent_config>();
  if (auto code = cfg->parse_command_line("mensa agent", argc, argv); code >= 0)
    return code;
  auto flags = cfg->flags;
  auto master = master_source_of(flags.master);
  if (!master) {
    std::fprintf(stderr, "mensa agent: %s\n", master.error().message.c_str());
    return 2;
  }
  // Set when the agent ends on its own (the master shut it down); declared
  // before the node so that it outlives the node's last callback.
  std::atomic<bool> ended_on_its_own{false};
  runtime::event_loop loop;
  runtime::child_processes children(loop);
  auto started = runtime::node::start(std::move(cfg));
  if (!started) {
    std::fprintf(stderr, "mensa agent: %s\n", started.error().message.c_str());
    return 1;
  }
  auto agent = spawn_agent(**started, "agent", flags, master->fixed, children);
  if (!agent) {
    std::fprintf(stderr, "mensa agent: %s\n", agent.error().message.c_str());
    return 1;
  }
  std::unique_ptr<common::master_detector> detector;
  if (master->group)
    detector = std::make_unique<common::master_detector>(
        *master->group,
        std::chrono::duration_cast<std::chrono::milliseconds>(flags.zk_session_timeout),
        common::follow_in<agent::agent_process>(
            runtime::process_handle::find(**started, "agent")));
  std::printf("agent: listening at %s, registering with %s\n", agent->str().c_str(),
              master->str().c_str());
  std::fflush(stdout);
  runtime::process_handle::find(**started, "agent").when_ended([&](bool) {
    if (!ended_on_its_own.exchange(true))
      request_termination();
  });
  await_termination_signal();
  if (ended_on_its_own) {
    std::fprintf(stderr,
                 "mensa agent: the agent ended: the master shut it down (see the "
                 "log above); started again, it registers as a new agent\n");
    return 1;
  }
  // From here on the agent ends because this command stops.
  ended_on_its_own = true;
  return 0;
}

}  // namespace mensa::tools
