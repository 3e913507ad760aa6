#pragma once

namespace mensa::master {

/// Where a framework stands with the master. A new record begins as
/// `active` (its scheduler subscribed) or `recovered` (known from an
/// agent's report); after that it changes only through
/// `framework_may_move`'s rules. A framework torn down leaves the table.
enum class framework_state {
  /// Subscribed; its scheduler is connected and gets offers.
  active,
  /// Its scheduler is gone; tasks keep running until `failover_timeout`.
  disconnected,
  /// Known from an agent's tasks after a master failover; its scheduler has
  /// not subscribed to this master yet.
  recovered,
};

/// Returns the state's name, e.g. "active".
const char* to_string(framework_state state);

/// Returns whether a framework may go from `from` to `to`: an active one
/// loses its scheduler; a disconnected or recovered one gets one (again).
/// Nothing becomes `recovered` once the record exists.
bool framework_may_move(framework_state from, framework_state to);

}  // namespace mensa::master
