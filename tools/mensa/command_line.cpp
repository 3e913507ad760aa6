#include "tools/mensa/command_line.hpp"

#include <cstdio>

namespace mensa::tools {

int parse_command_line(runtime::node_config& cfg, const char* command, int argc,
                       char** argv) {
  auto parsed = cfg.parse_flags(argc, argv);
  if (cfg.help_requested) {
    if (!cfg.cli_helptext_printed)
      std::fputs(cfg.flags_help().c_str(), stdout);
    return 0;
  }
  if (!parsed) {
    std::fprintf(stderr, "mensa %s: %s\n", command, parsed.error().message.c_str());
    return 2;
  }
  return -1;
}

}  // namespace mensa::tools
