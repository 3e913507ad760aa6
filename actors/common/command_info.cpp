#include "actors/common/command_info.hpp"

namespace mensa::common {

std::vector<std::string> command_argv(const v1::CommandInfo& command) {
  if (command.shell())
    return {"/bin/sh", "-c", command.value()};
  std::vector<std::string> argv{command.value()};
  for (int i = 1; i < command.arguments_size(); ++i)
    argv.push_back(command.arguments(i));
  return argv;
}

void append_environment(const v1::CommandInfo& command,
                        std::vector<std::string>& environment) {
  for (auto& variable : command.environment().variables())
    environment.push_back(variable.name() + "=" + variable.value());
}

}  // namespace mensa::common
