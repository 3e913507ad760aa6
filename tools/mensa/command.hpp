#pragma once

namespace mensa::tools {

/// One subcommand of the `mensa` program.
struct command {
  /// The word that selects it: `mensa <name> ...`.
  const char* name;
  /// One line for `mensa --help`.
  const char* summary;
  /// Runs it with the arguments after the subcommand's name (argv[0] is the
  /// subcommand); returns the exit code.
  int (*run)(int argc, char** argv);
};

/// `mensa local`: a master and agents in one process.
int run_local(int argc, char** argv);

/// `mensa master`: a master and its allocator.
int run_master(int argc, char** argv);

/// `mensa agent`: an agent that registers with a master.
int run_agent(int argc, char** argv);

/// `mensa execute`: runs a command on the cluster, K times.
int run_execute(int argc, char** argv);

/// `mensa executor`: the command executor (started by agents).
int run_executor(int argc, char** argv);

/// `mensa pong`: serves a `pong` process that answers pings.
int run_pong(int argc, char** argv);

/// `mensa ping ADDRESS`: measures round trips to a process.
int run_ping(int argc, char** argv);

/// `mensa weights`: shows or sets role weights on a running master.
int run_weights(int argc, char** argv);

/// `mensa quota`: shows or sets a role's quota on a running master.
int run_quota(int argc, char** argv);

}  // namespace mensa::tools
