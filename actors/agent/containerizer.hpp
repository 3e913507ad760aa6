#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "mensa/v1/mensa.pb.h"
#include "runtime/address.hpp"
#include "runtime/expected.hpp"

namespace mensa::agent {

/// What an agent asks a containerizer to start: one run of an executor.
struct container_spec {
  /// Chosen by the agent; unique per run.
  std::string container_id;
  v1::FrameworkInfo framework;
  v1::ExecutorInfo executor;
  /// The run's sandbox directory (the executor's working directory).
  std::string sandbox;
  /// The agent the executor subscribes to.
  runtime::address agent;
  /// Extra environment for the executor.
  std::map<std::string, std::string> environment;
};

/// Where a container's executor runs: what an agent checkpoints to find
/// it again after the agent restarted.
struct container_process {
  /// The executor's OS process (the leader of its session); 0 for none.
  int64_t pid = 0;
  /// When that process started (clock ticks after boot), telling it apart
  /// from a later process with the same ID.
  uint64_t start_time = 0;
};

/// How a container ended.
struct container_termination {
  std::string container_id;
  /// As waitpid reports it (exit code and signal), when known.
  int status = 0;
  /// What happened, for logs and status messages.
  std::string message;
  /// False when nobody could see how the executor ended (it was recovered
  /// from an earlier agent process, which was its parent).
  bool status_known = true;
};

/// Runs executors for an agent: as OS processes in production
/// (process_containerizer), as processes of the agent's node in the
/// deterministic harness (in_process_containerizer), as Mesos's
/// TestContainerizer does.
class containerizer {
 public:
  /// Tells the agent that a container ended; safe to call from any thread
  /// (the agent makes it a message to itself).
  using termination_callback = std::function<void(container_termination)>;

  virtual ~containerizer() = default;

  /// Starts an executor and says where it runs. Its end, however it comes,
  /// is reported once through the termination callback.
  virtual runtime::expected<container_process> launch(const container_spec& spec) = 0;

  /// Takes over a container that an earlier run of the agent launched, as
  /// `launch` described it: its end is reported like any other. Fails when
  /// the container is gone (and then reports nothing).
  virtual runtime::expected<void> recover(const std::string& container_id,
                                          const container_process& process) = 0;

  /// Kills the executor and everything it started, at once.
  virtual void destroy(const std::string& container_id) = 0;
};

/// Makes a containerizer for an agent, given how to report terminations.
using containerizer_factory =
    std::function<std::unique_ptr<containerizer>(containerizer::termination_callback)>;

}  // namespace mensa::agent
