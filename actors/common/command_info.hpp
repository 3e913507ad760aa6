#pragma once

#include <string>
#include <vector>

#include "mensa/v1/mensa.pb.h"

namespace mensa::common {

/// Returns the argv that runs `command`, as Mesos runs a CommandInfo:
/// `/bin/sh -c value` when `shell`, else `value` as the program with
/// `arguments[1..]` after it (`arguments[0]` is the program's own name).
std::vector<std::string> command_argv(const v1::CommandInfo& command);

/// Appends `command`'s environment variables to `environment` as
/// `NAME=value` entries.
void append_environment(const v1::CommandInfo& command,
                        std::vector<std::string>& environment);

}  // namespace mensa::common
