#pragma once

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

/// How a container ended.
struct container_termination {
  std::string container_id;
  /// As waitpid reports it (exit code and signal), when known.
  int status = 0;
  /// What happened, for logs and status messages.
  std::string message;
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

  /// Starts an executor. Its end, however it comes, is reported once
  /// through the termination callback.
  virtual runtime::expected<void> launch(const container_spec& spec) = 0;

  /// Kills the executor and everything it started, at once.
  virtual void destroy(const std::string& container_id) = 0;
};

/// Makes a containerizer for an agent, given how to report terminations.
using containerizer_factory =
    std::function<std::unique_ptr<containerizer>(containerizer::termination_callback)>;

}  // namespace mensa::agent
