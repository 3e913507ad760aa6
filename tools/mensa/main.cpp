// The `mensa` program: one binary, one subcommand per role.

#include <cstdio>
#include <cstring>
#include <string_view>

#include "tools/mensa/command.hpp"

namespace {

using mensa::tools::command;

const command commands[] = {
    {"local", "run a master and agents in this process (--agents=N)",
     mensa::tools::run_local},
    {"master", "run a master", mensa::tools::run_master},
    {"agent", "run an agent: mensa agent --master=HOST:PORT --work_dir=DIR",
     mensa::tools::run_agent},
    {"execute", "run a command on the cluster: --master=HOST:PORT --command=CMD",
     mensa::tools::run_execute},
    {"weights", "show or set role weights: --master=HOST:PORT --set=dev=1,prod=3",
     mensa::tools::run_weights},
    {"quota", "show or set a role's quota: --master=HOST:PORT --role=R --guarantee=...",
     mensa::tools::run_quota},
    {"executor", "the command executor (agents start it)", mensa::tools::run_executor},
    {"pong", "serve a 'pong' process that answers pings (a node to talk to)",
     mensa::tools::run_pong},
    {"ping", "measure round trips to a process: mensa ping pong@HOST:PORT",
     mensa::tools::run_ping},
};

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: mensa <command> [flags]\n\n"
               "Commands:\n");
  for (auto& cmd : commands)
    std::fprintf(out, "  %-9s %s\n", cmd.name, cmd.summary);
  std::fprintf(out, "\nRun 'mensa <command> --help' for a command's flags.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return 0;
  }
  for (auto& cmd : commands)
    if (name == cmd.name)
      return cmd.run(argc - 1, argv + 1);
  std::fprintf(stderr, "mensa: unknown command '%s' (try 'mensa --help')\n", argv[1]);
  return 2;
}
