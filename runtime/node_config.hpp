#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "caf/actor_system_config.hpp"
#include "caf/timespan.hpp"
#include "runtime/expected.hpp"

namespace mensa::runtime {

/// Everything a node is configured with, parsed by CAF's config system from
/// command-line flags and an INI file (`--config-file=FILE`, options under
/// `[global]`). Programs derive from it to add flags of their own.
///
/// The flags keep Mesos's names where Mesos has one (`--ip`, `--port`).
class node_config : public caf::actor_system_config {
 public:
  /// Declares the node's flags with their defaults.
  node_config();

  /// Parses flags (`--name=value` or `--name value`) and the config file.
  /// Positional arguments may come anywhere. Unknown flags, malformed values and
  /// invalid combinations fail with a message that names the flag. On
  /// `--help` it parses nothing and sets `help_requested`; the program then
  /// prints `flags_help()` (CAF has printed `--long-help` itself).
  expected<void> parse_flags(int argc, char** argv);

  /// Parses a program's flags as its `main` wants them: returns the exit
  /// code to stop with (0 after printing the help, 2 after printing
  /// "<program>: what is wrong", which includes a positional argument when
  /// `takes_positional` is false), or -1 when the program should go on.
  int parse_command_line(const std::string& program, int argc, char** argv);

  /// Set by `parse_flags` when the user asked for help.
  bool help_requested = false;

  /// Checks the values (after parsing or after setting them in code).
  expected<void> validate() const;

  /// Returns every flag's name and value now in force, by name (the help
  /// and config-file flags left out; a passphrase shows as "(hidden)"), as
  /// GET_FLAGS shows them.
  std::vector<std::pair<std::string, std::string>> flag_values() const;

  /// Returns the help text for the node's flags and the program's own.
  std::string flags_help() const;

  /// IP address to listen on (`--ip`); 127.0.0.1 unless set.
  std::string ip = "127.0.0.1";

  /// TCP port to listen on (`--port`); 0 picks a free one.
  uint16_t port = 0;

  /// IP address other nodes use to reach this one (`--advertise_ip`);
  /// defaults to `ip`. Required when listening on 0.0.0.0.
  std::string advertise_ip;

  /// `error`, `warning`, `info` or `debug` (`--logging_level`).
  std::string logging_level = "info";

  /// Largest message payload accepted from the network, in bytes
  /// (`--max_message_size`); larger ones are dropped and counted.
  std::size_t max_message_size = 16 * 1024 * 1024;

  /// How often a node sends heartbeats on each connection
  /// (`--heartbeat_interval`).
  caf::timespan heartbeat_interval = std::chrono::seconds(1);

  /// Silence after which a connection counts as lost (`--heartbeat_timeout`);
  /// it must exceed the interval. This is how a hung peer is detected.
  caf::timespan heartbeat_timeout = std::chrono::seconds(10);

  /// Time a new connection has to complete its handshake before the port
  /// closes it (`--handshake_timeout`).
  caf::timespan handshake_timeout = std::chrono::seconds(10);

  /// Connections allowed at once that have not completed their handshake
  /// (`--max_unidentified_connections`); one more closes the one waiting
  /// longest. The port also keeps it within a quarter of the process's
  /// descriptor limit.
  std::size_t max_unidentified_connections = 1024;

  /// Time allowed to connect to another node and look a process up
  /// (`--resolve_timeout`).
  caf::timespan resolve_timeout = std::chrono::seconds(5);

  /// Unacknowledged messages allowed per flow-controlled stream
  /// (`--flow_window`).
  std::size_t flow_window = 1000;

  /// PEM certificate chain of this node (`--tls_certificate`). Setting the
  /// certificate, key and CA turns on mutual TLS between nodes.
  std::string tls_certificate;

  /// PEM private key of this node (`--tls_key`).
  std::string tls_key;

  /// PEM file of the certificates this node trusts (`--tls_ca`).
  std::string tls_ca;

  /// Passphrase of an encrypted key (`--tls_key_passphrase`).
  std::string tls_key_passphrase;

  /// Worker threads for actors (`--worker_threads`); 0 means one per core.
  std::size_t worker_threads = 0;

  /// Whether TLS is configured.
  bool tls_enabled() const {
    return !tls_certificate.empty() || !tls_key.empty() || !tls_ca.empty();
  }

  /// Returns the address others should use for this node's host.
  const std::string& advertised_ip() const {
    return advertise_ip.empty() ? ip : advertise_ip;
  }

  /// Set by the deterministic harness (not a flag): no sockets, one thread,
  /// simulated time.
  bool simulated = false;

  /// Seeds the node's random choices (stream ids, ...) when simulated.
  uint64_t seed = 0;

  /// Arguments left after the flags (a subcommand's positional arguments).
  std::vector<std::string> positional;

  /// Whether the program takes positional arguments at all.
  bool takes_positional = false;

  /// A one-line description of the program for the help text.
  std::string usage;

 private:
  // True when `word` is `--name` (no `=`) of an option that needs a value,
  // which then comes in the next word.
  bool takes_separate_value(const std::string& word) const;
};

/// Splits a flag value such as `a,b,c` at `separator` into its non-empty
/// items.
std::vector<std::string> split_list(std::string_view text, char separator = ',');

}  // namespace mensa::runtime
