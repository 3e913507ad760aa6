#pragma once

#include "runtime/node_config.hpp"

namespace mensa::tools {

/// Parses a subcommand's flags into `cfg`. Returns the exit code to stop
/// with (0 after printing help, 2 after printing what is wrong), or -1 when
/// the subcommand should go on.
int parse_command_line(runtime::node_config& cfg, const char* command, int argc,
                       char** argv);

}  // namespace mensa::tools
