#pragma once

#include <functional>
#include <map>
#include <string>

#include "actors/agent/containerizer.hpp"
#include "runtime/node.hpp"
#include "runtime/process_handle.hpp"

namespace mensa::agent {

/// Runs each executor as a process of the agent's own node, made by a
/// factory: how the deterministic harness runs whole clusters without OS
/// processes (Mesos's TestContainerizer). A container ends when its
/// executor process does; `destroy` kills the process.
class in_process_containerizer : public containerizer {
 public:
  /// Spawns the executor of `spec` as `name` on `n`; returns its handle or
  /// a failure.
  using executor_factory = std::function<runtime::expected<runtime::process_handle>(
      runtime::node& n, const std::string& name, const container_spec& spec)>;

  in_process_containerizer(runtime::node& n, executor_factory factory,
                           termination_callback on_termination);

  runtime::expected<container_process> launch(const container_spec& spec) override;
  /// Finds the executor process of the container on the node, where it
  /// outlived the agent that launched it.
  runtime::expected<void> recover(const std::string& container_id,
                                  const container_process& process) override;
  void destroy(const std::string& container_id) override;

 private:
  void watch(const std::string& container_id, const runtime::process_handle& executor,
             bool status_known);

  runtime::node& node_;
  executor_factory factory_;
  termination_callback on_termination_;
  std::map<std::string, runtime::process_handle> executors_;
};

}  // namespace mensa::agent
