#pragma once

#include <sys/types.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "actors/agent/containerizer.hpp"
#include "runtime/child_processes.hpp"

namespace mensa::agent {

/// Runs each executor as an OS process in a session of its own, in its
/// sandbox, with stdout and stderr going to files there; mensa's command
/// and default executors are the `mensa executor` program itself. Destroying a
/// container kills every process of its session. `runs/latest` links to the newest run.
class process_containerizer : public containerizer {
 public:
  /// `mensa_program` runs the command and default executors; `environment` (entries
  /// `NAME=value`) is given to every executor, before the agent's own
  /// MENSA_* variables and the executor's command environment.
  process_containerizer(runtime::child_processes& children, std::string mensa_program,
                        std::vector<std::string> environment,
                        termination_callback on_termination);

  runtime::expected<container_process> launch(const container_spec& spec) override;
  /// Adopts the executor process if it is still the one launched.
  runtime::expected<void> recover(const std::string& container_id,
                                  const container_process& process) override;
  void destroy(const std::string& container_id) override;

 private:
  runtime::child_processes& children_;
  std::string mensa_program_;
  std::vector<std::string> environment_;
  termination_callback on_termination_;
  std::mutex mutex_;
  std::map<std::string, pid_t> containers_;
};

/// Creates `path` and its parents; fails with the reason.
runtime::expected<void> make_directories(const std::string& path);

/// Points the `latest` link beside a run's sandbox (`.../runs/latest`) at
/// that run, as Mesos does.
void point_latest_at(const std::string& sandbox);

}  // namespace mensa::agent
