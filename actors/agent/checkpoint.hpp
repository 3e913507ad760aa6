#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mensa/internal/checkpoint.pb.h"
#include "runtime/expected.hpp"
#include "runtime/record_log.hpp"

namespace mensa::agent {

/// What an agent keeps across its own restarts, in its work directory:
/// its identity (once registered) and, for frameworks that checkpoint
/// (`FrameworkInfo.checkpoint`, as in Mesos), their executors, the tasks
/// given to them and the status updates not yet acknowledged. Plain C++
/// owned by the agent actor; file-backed in a directory (a snapshot and the
/// operations since, see `runtime::record_log`) or, without one, nothing.
///
/// `apply` persists an operation before it returns, so the agent tells an
/// executor that an update is safe only once it is. Operations about
/// frameworks that do not checkpoint change nothing and cost nothing.
class checkpoint {
 public:
  /// Nothing is kept.
  checkpoint() = default;

  /// Recovers what is kept in `directory`, creating it if it is not there;
  /// fails with a message naming what is damaged.
  static runtime::expected<checkpoint> recover(
      const std::string& directory,
      runtime::file_system& fs = runtime::real_file_system());

  /// Returns whether operations survive the agent.
  bool persistent() const noexcept { return log_.has_value(); }

  /// Returns the agent as it was last admitted (with its ID), if ever.
  const std::optional<v1::AgentInfo>& agent_info() const noexcept {
    return agent_info_;
  }

  /// Returns whether an agent that `now` describes may take over the kept
  /// identity: the same hostname, port, resources and attributes. Fails
  /// saying what changed.
  runtime::expected<void> admits(const v1::AgentInfo& now) const;

  /// Returns everything kept, as one message (what a snapshot holds):
  /// frameworks with their executors, then the updates in order per task.
  internal::AgentCheckpoint snapshot() const;

  /// Applies `op` and persists it, if it concerns what is kept; on failure
  /// nothing changes.
  runtime::expected<void> apply(const internal::CheckpointOperation& op);

  /// Forgets everything (the master shut the agent down: a restart starts
  /// a new agent).
  runtime::expected<void> clear();

  /// Returns whether framework `framework_id` is kept.
  bool keeps(const std::string& framework_id) const {
    return frameworks_.count(framework_id) > 0;
  }

  /// Bytes of a torn last operation that recovery dropped.
  std::size_t dropped_bytes() const noexcept { return dropped_bytes_; }

  /// Returns (and forgets) why the last compaction failed, if it did.
  std::string take_compaction_failure() {
    return std::exchange(compaction_failure_, {});
  }

  // -- operations --------------------------------------------------------------

  /// The master admitted the agent `info` describes.
  static internal::CheckpointOperation registration(const v1::AgentInfo& info);

  /// A framework's info, new or updated.
  static internal::CheckpointOperation framework(const v1::FrameworkInfo& info);

  /// An executor was launched.
  static internal::CheckpointOperation launch(internal::CheckpointedExecutor executor);

  /// A group of tasks was given to an executor.
  static internal::CheckpointOperation addition(const v1::FrameworkID& framework,
                                                const v1::ExecutorID& executor,
                                                const v1::TaskGroupInfo& group);

  /// The agent took on a status update.
  static internal::CheckpointOperation update(const internal::StatusUpdate& update);

  /// The framework acknowledged an update.
  static internal::CheckpointOperation acknowledgement(const std::string& framework_id,
                                                       const std::string& task_id,
                                                       const std::string& uuid);

  /// An executor run ended.
  static internal::CheckpointOperation end(const std::string& framework_id,
                                           const std::string& executor_id,
                                           const std::string& container_id);

  /// The framework was shut down here.
  static internal::CheckpointOperation removal(const v1::FrameworkID& framework);

 private:
  struct framework_entry {
    v1::FrameworkInfo info;
    std::map<std::string, internal::CheckpointedExecutor> executors;
  };

  using stream_key = std::pair<std::string, std::string>;

  bool concerns(const internal::CheckpointOperation& op) const;
  void apply_in_memory(const internal::CheckpointOperation& op);
  void acknowledge_in_memory(const internal::CheckpointOperation::Acknowledged& ack);
  void forget_task(const std::string& framework_id, const std::string& executor_id,
                   const std::string& task_id);
  void forget_if_done(const std::string& framework_id);
  std::size_t size() const;

  std::optional<runtime::record_log> log_;
  std::optional<v1::AgentInfo> agent_info_;
  std::map<std::string, framework_entry> frameworks_;
  /// Unacknowledged updates per (framework ID, task ID), oldest first.
  std::map<stream_key, std::deque<internal::StatusUpdate>> streams_;
  std::size_t dropped_bytes_ = 0;
  /// What the last snapshot held (executors, tasks and updates).
  std::size_t snapshot_size_ = 0;
  std::string compaction_failure_;
};

}  // namespace mensa::agent
