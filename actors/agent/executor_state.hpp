#pragma once

namespace mensa::agent {

/// Where an executor run stands with its agent. A new record begins as
/// `launching` (the agent launched it) or `recovering` (taken back from the
/// checkpoint); after that it changes only through `executor_may_move`'s
/// rules. An executor that ended leaves the table.
enum class executor_state {
  /// Launched; not subscribed yet (tasks wait in its queue).
  launching,
  /// Subscribed; tasks go to it.
  running,
  /// Asked to shut down; killed if it does not exit in time.
  terminating,
  /// Launched by the agent before it restarted; waits for the executor to
  /// subscribe again (`executor_reregistration_timeout`).
  recovering,
};

/// Returns the state's name, e.g. "running".
const char* to_string(executor_state state);

/// Returns whether an executor may go from `from` to `to`: one launching
/// or recovering subscribes; one running is asked to shut down; one
/// terminating only ends.
bool executor_may_move(executor_state from, executor_state to);

}  // namespace mensa::agent
