#pragma once

namespace mensa::common {

/// What became of a request to move an entity (task, executor, framework,
/// agent) to a state.
enum class state_move {
  /// The entity is in the new state now.
  applied,
  /// It was in that state already (a repeated or duplicate report).
  repeated,
  /// The move is impossible for this kind of entity: nothing changed.
  refused,
};

/// Moves `state` to `to` when `may_move(state, to)` allows it, and says
/// what happened: the one way an entity's state changes once its record
/// exists (a new record begins in the state its creator gives it).
template <class State, class Rule>
state_move move_state(State& state, State to, Rule may_move) {
  if (state == to)
    return state_move::repeated;
  if (!may_move(state, to))
    return state_move::refused;
  state = to;
  return state_move::applied;
}

}  // namespace mensa::common
