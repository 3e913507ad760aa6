#pragma once

#include <string>

#include "actors/common/resources.hpp"

namespace mensa::agent {

/// Returns the agent's resources by Mesos's rules: what `flag` names
/// (`--resources`) wins; `cpus`, `mem`, `disk` and `ports` it leaves out are
/// detected: every core; memory less 1 GiB (half of it below 2 GiB); the
/// disk of `work_dir` less 5 GiB (half of it below 10 GiB); ports
/// 31000-32000. Fails if `flag` does not parse.
runtime::expected<common::resources> agent_resources(const std::string& flag,
                                                     const std::string& work_dir);

}  // namespace mensa::agent
