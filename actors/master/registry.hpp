#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mensa/internal/registry.pb.h"
#include "runtime/expected.hpp"
#include "runtime/durable_log.hpp"
#include "runtime/file_system.hpp"

namespace mensa::master {

/// What the master keeps across its own restarts: the agents it admitted
/// (and which of them are unreachable), role weights and quota. Plain C++
/// owned by the master actor; kept in a `runtime::durable_log` (a snapshot
/// and the operations since: files in a directory, or znodes in
/// ZooKeeper) or, without one, in memory only.
///
/// `apply` persists an operation before it returns, so the master answers
/// an agent or an operator only after what it answered can no longer be
/// lost. Every so many operations the registry compacts its log into a
/// fresh snapshot.
class registry {
 public:
  /// An in-memory registry: nothing survives the master.
  registry() = default;

  /// Recovers the registry kept in `directory`, creating it if it is not
  /// there; fails with a message naming what is damaged.
  static runtime::expected<registry> recover(
      const std::string& directory,
      runtime::file_system& fs = runtime::real_file_system());

  /// Recovers the registry kept in `log`, which found `found` when opened;
  /// fails with a message naming what is damaged.
  static runtime::expected<registry> recover(
      std::unique_ptr<runtime::durable_log> log,
      const runtime::durable_log::contents& found);

  /// Returns whether operations survive the master.
  bool persistent() const noexcept { return log_ != nullptr; }

  /// Returns the admitted agents, by ID (read from their kept form).
  std::map<std::string, internal::Registry::Agent> agents() const;

  /// An unreachable agent, and since when: nanoseconds since the epoch, 0
  /// when the registry was kept before it recorded that.
  struct unreachable_agent {
    std::string id;
    int64_t since_ns = 0;
  };

  /// Returns the unreachable agents, the longest unreachable first (those
  /// of unknown time before the rest).
  std::vector<unreachable_agent> unreachable_agents() const;

  /// Returns whether agent `agent_id` is admitted (without reading it).
  bool contains(const std::string& agent_id) const {
    return agents_.count(agent_id) > 0;
  }

  /// Returns whether an operator marked agent `agent_id` gone.
  bool gone(const std::string& agent_id) const { return gone_.count(agent_id) > 0; }

  /// Returns the admitted agent `agent_id`, or null.
  std::unique_ptr<internal::Registry::Agent> agent(const std::string& agent_id) const;

  /// Returns the role weights other than 1.
  const google::protobuf::RepeatedPtrField<v1::WeightInfo>& weights() const noexcept {
    return rest_.weights();
  }

  /// Returns the roles' quota.
  const google::protobuf::RepeatedPtrField<v1::quota::QuotaConfig>& quota_configs()
      const noexcept {
    return rest_.quota_configs();
  }

  /// Returns the whole registry as one message (what a snapshot holds).
  internal::Registry snapshot() const;

  /// Returns the operation that admits (or readmits) the agent `info`
  /// describes.
  static internal::RegistryOperation admission(const v1::AgentInfo& info);

  /// Returns the operation that marks agent `agent_id` unreachable since
  /// `since_ns` (nanoseconds since the epoch).
  static internal::RegistryOperation unreachability(const std::string& agent_id,
                                                    int64_t since_ns);

  /// Returns the operation that marks agent `agent_id` gone since
  /// `since_ns` (nanoseconds since the epoch).
  static internal::RegistryOperation gone_marking(const std::string& agent_id,
                                                  int64_t since_ns);

  /// Returns the operation that removes agent `agent_id`.
  static internal::RegistryOperation removal(const std::string& agent_id);

  /// Applies `op` and persists it (with every operation before it); on
  /// failure nothing changes.
  runtime::expected<void> apply(const internal::RegistryOperation& op);

  /// Applies `op` and writes it without waiting for the disk, so that many
  /// operations share one flush (`sync`); until then a crash may lose it.
  /// On failure nothing changes.
  runtime::expected<void> apply_deferred(const internal::RegistryOperation& op);

  /// Flushes the operations applied since the last flush to disk.
  runtime::expected<void> sync();

  /// Returns whether operations wait for `sync`.
  bool unsynced() const noexcept { return log_ && log_->unsynced(); }

  /// Returns (and forgets) why the last compaction failed, if it did; the
  /// operations stay kept in the log, which only grows longer.
  std::string take_compaction_failure() {
    return std::exchange(compaction_failure_, {});
  }

  /// Bytes of a torn last operation that recovery dropped.
  std::size_t dropped_bytes() const noexcept { return dropped_bytes_; }

 private:
  runtime::expected<void> apply(const internal::RegistryOperation& op, bool flush);
  void apply_in_memory(const internal::RegistryOperation& op);

  /// An admitted agent as kept: its AgentInfo serialized, a few hundred
  /// bytes where the message would take a kilobyte (the master has the
  /// parsed info in its own record).
  struct kept_agent {
    std::string info;
    bool unreachable = false;
    /// While unreachable: since when, in nanoseconds since the epoch (0:
    /// not recorded).
    int64_t unreachable_since_ns = 0;
  };

  static internal::Registry::Agent parse(const kept_agent& kept);

  std::unique_ptr<runtime::durable_log> log_;
  std::map<std::string, kept_agent> agents_;
  /// Everything else: weights, quota and the gone agents (`agents` is
  /// empty).
  internal::Registry rest_;
  /// The IDs of `rest_.gone_agents`.
  std::set<std::string> gone_;
  std::size_t dropped_bytes_ = 0;
  /// Agents the last snapshot held (or recovery found).
  std::size_t snapshot_agents_ = 0;
  std::string compaction_failure_;
};

}  // namespace mensa::master
