// The agent's state machine for executors, walked pair by pair.

#include "actors/agent/executor_state.hpp"

#include <doctest/doctest.h>

#include <set>
#include <utility>
#include <vector>

#include "actors/common/state_machine.hpp"

using namespace mensa;
using agent::executor_state;

TEST_CASE("an executor moves as its table says: one terminating only ends") {
  using s = executor_state;
  const std::vector<s> states{s::launching, s::running, s::terminating, s::recovering};
  const std::set<std::pair<s, s>> allowed{{s::launching, s::running},
                                          {s::recovering, s::running},
                                          {s::running, s::terminating}};
  for (auto from : states) {
    for (auto to : states) {
      CAPTURE(to_string(from));
      CAPTURE(to_string(to));
      bool expected = allowed.count({from, to}) > 0;
      CHECK(agent::executor_may_move(from, to) == expected);
      auto state = from;
      auto moved = common::move_state(state, to, agent::executor_may_move);
      CHECK(moved == (from == to ? common::state_move::repeated
                      : expected ? common::state_move::applied
                                 : common::state_move::refused));
      CHECK(state == (expected ? to : from));
    }
  }
}
