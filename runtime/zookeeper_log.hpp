#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/durable_log.hpp"
#include "runtime/zookeeper.hpp"

namespace mensa::runtime {

/// A `durable_log` kept in ZooKeeper under a znode, written only while the
/// znode `fence` exists (a leader's ephemeral member znode: a master that
/// no longer leads can write nothing).
///
/// Under `path`, each `sync` adds sequential znodes `records-N`, each
/// holding a batch of records (`[4-byte length][bytes]`...); `compact`
/// adds a sequential `snapshot-N` whose data is its number of chunks and
/// whose children `chunk-K` hold the snapshot in pieces that fit a znode.
/// Sequence numbers are shared by both, so a snapshot holds every record
/// numbered below it. A snapshot missing chunks was cut short by a crash:
/// `open` ignores it and the records it would have replaced still count.
/// Only once a snapshot is whole are the records and snapshots before it
/// removed.
class zookeeper_log final : public durable_log {
 public:
  /// Opens the log under `path` (creating the znodes), reading what is
  /// there into `found`.
  static expected<std::unique_ptr<zookeeper_log>> open(
      std::shared_ptr<zookeeper_session> session, std::string path, std::string fence,
      contents& found);

  expected<void> append(std::string_view record) override;
  expected<void> write(std::string_view record) override;
  expected<void> sync() override;
  bool unsynced() const noexcept override { return !pending_.empty(); }
  expected<void> compact(std::string_view snapshot) override;
  std::size_t records_since_snapshot() const noexcept override {
    return since_snapshot_;
  }
  std::string where() const override { return "ZooKeeper " + path_; }

 private:
  zookeeper_log(std::shared_ptr<zookeeper_session> session, std::string path,
                std::string fence);
  /// Removes, under the fence, the znodes numbered below `sequence`.
  expected<void> remove_before(uint64_t sequence);
  /// Removes snapshot `name` with its chunks.
  expected<void> remove_snapshot(const std::string& name);

  std::shared_ptr<zookeeper_session> session_;
  std::string path_;
  std::string fence_;
  /// Records written and not synced yet.
  std::vector<std::string> pending_;
  std::size_t since_snapshot_ = 0;
  /// The znodes under `path_` by sequence number: record batches and
  /// snapshots.
  std::map<uint64_t, std::string> nodes_;
};

}  // namespace mensa::runtime
