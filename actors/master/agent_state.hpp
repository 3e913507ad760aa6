#pragma once

namespace mensa::master {

/// Where an agent stands with the master. A new record begins as
/// `registered` (admitted now) or, recovered from the registry, as
/// `recovering` or `unreachable`; after that it changes only through
/// `agent_may_move`'s rules.
enum class agent_state {
  /// In the registry of a master that (re)started; not reregistered yet.
  recovering,
  /// Admitted and connected.
  registered,
  /// Its connection broke: it may be restarting. Tasks of frameworks that
  /// checkpoint are kept for it until its pings' worth of time has passed.
  disconnected,
  /// Its connection was lost or it stopped answering pings.
  unreachable,
};

/// Returns the state's name, e.g. "registered".
const char* to_string(agent_state state);

/// Returns whether an agent may go from `from` to `to`: a recovering one
/// reregisters or times out; a registered one disconnects or goes silent;
/// a disconnected one comes back or stays away; an unreachable one can
/// only come back.
bool agent_may_move(agent_state from, agent_state to);

}  // namespace mensa::master
