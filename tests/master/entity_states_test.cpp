// The master's state machines for agents and frameworks, walked pair by
// pair against their tables.

#include <doctest/doctest.h>

#include <set>
#include <utility>
#include <vector>

#include "actors/common/state_machine.hpp"
#include "actors/master/agent_state.hpp"
#include "actors/master/framework_state.hpp"

using namespace mensa;
using master::agent_state;
using master::framework_state;

namespace {

// Checks `may_move` and `move_state` over every pair of `states` against
// `allowed` (pairs from, to).
template <class State, class Rule>
void walk(const std::vector<State>& states,
          const std::set<std::pair<State, State>>& allowed, Rule may_move) {
  for (auto from : states) {
    for (auto to : states) {
      CAPTURE(to_string(from));
      CAPTURE(to_string(to));
      bool expected = allowed.count({from, to}) > 0;
      CHECK(may_move(from, to) == expected);
      auto state = from;
      auto moved = common::move_state(state, to, may_move);
      if (from == to)
        CHECK(moved == common::state_move::repeated);
      else if (expected)
        CHECK((moved == common::state_move::applied && state == to));
      else
        CHECK((moved == common::state_move::refused && state == from));
    }
  }
}

}  // namespace

TEST_CASE("an agent moves as its table says: back only by reregistering") {
  using s = agent_state;
  walk<agent_state>({s::recovering, s::registered, s::disconnected, s::unreachable},
                    {{s::recovering, s::registered},
                     {s::recovering, s::unreachable},
                     {s::registered, s::disconnected},
                     {s::registered, s::unreachable},
                     {s::disconnected, s::registered},
                     {s::disconnected, s::unreachable},
                     {s::unreachable, s::registered}},
                    master::agent_may_move);
}

TEST_CASE("a framework moves as its table says: nothing becomes recovered again") {
  using s = framework_state;
  walk<framework_state>({s::active, s::disconnected, s::recovered},
                        {{s::active, s::disconnected},
                         {s::disconnected, s::active},
                         {s::recovered, s::active}},
                        master::framework_may_move);
}
