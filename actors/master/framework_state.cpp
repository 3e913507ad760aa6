#include "actors/master/framework_state.hpp"

namespace mensa::master {

const char* to_string(framework_state state) {
  switch (state) {
    case framework_state::active:
      return "active";
    case framework_state::disconnected:
      return "disconnected";
    case framework_state::recovered:
      return "recovered";
  }
  return "unknown";
}

bool framework_may_move(framework_state from, framework_state to) {
  switch (from) {
    case framework_state::active:
      return to == framework_state::disconnected;
    case framework_state::disconnected:
    case framework_state::recovered:
      return to == framework_state::active;
  }
  return false;
}

}  // namespace mensa::master
