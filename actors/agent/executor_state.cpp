#include "actors/agent/executor_state.hpp"

namespace mensa::agent {

const char* to_string(executor_state state) {
  switch (state) {
    case executor_state::launching:
      return "launching";
    case executor_state::running:
      return "running";
    case executor_state::terminating:
      return "terminating";
    case executor_state::recovering:
      return "recovering";
  }
  return "unknown";
}

bool executor_may_move(executor_state from, executor_state to) {
  switch (from) {
    case executor_state::launching:
    case executor_state::recovering:
      return to == executor_state::running;
    case executor_state::running:
      return to == executor_state::terminating;
    case executor_state::terminating:
      return false;
  }
  return false;
}

}  // namespace mensa::agent
