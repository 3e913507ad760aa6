#include "actors/master/agent_state.hpp"

namespace mensa::master {

const char* to_string(agent_state state) {
  switch (state) {
    case agent_state::recovering:
      return "recovering";
    case agent_state::registered:
      return "registered";
    case agent_state::disconnected:
      return "disconnected";
    case agent_state::unreachable:
      return "unreachable";
  }
  return "unknown";
}

bool agent_may_move(agent_state from, agent_state to) {
  switch (from) {
    case agent_state::recovering:
      return to == agent_state::registered || to == agent_state::unreachable;
    case agent_state::registered:
      return to == agent_state::disconnected || to == agent_state::unreachable;
    case agent_state::disconnected:
      return to == agent_state::registered || to == agent_state::unreachable;
    case agent_state::unreachable:
      return to == agent_state::registered;
  }
  return false;
}

}  // namespace mensa::master
