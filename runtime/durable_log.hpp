#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/expected.hpp"

namespace mensa::runtime {

/// A log of records that outlives its writer: a snapshot (one record) and
/// the records appended since. What the master's registry is kept in:
/// files in a directory (`record_log`) or znodes in ZooKeeper
/// (`zookeeper_log`). One owner (an actor) at a time.
class durable_log {
 public:
  /// What opening a log found: the snapshot (empty when there is none)
  /// and the records after it, oldest first.
  struct contents {
    std::string snapshot;
    std::vector<std::string> records;
    /// Bytes of a torn last record that were cut off (0 normally).
    std::size_t dropped_bytes = 0;
  };

  virtual ~durable_log() = default;

  /// Appends one record and makes it durable (with every record written
  /// before it) before returning.
  virtual expected<void> append(std::string_view record) = 0;

  /// Appends one record without waiting for it to be durable: a crash
  /// before the next `sync` (or `append`) may lose it, and the records
  /// after it.
  virtual expected<void> write(std::string_view record) = 0;

  /// Makes durable every record written since the last `sync`.
  virtual expected<void> sync() = 0;

  /// Returns whether records were written and are not durable yet.
  virtual bool unsynced() const noexcept = 0;

  /// Replaces the snapshot and every record with `snapshot`.
  virtual expected<void> compact(std::string_view snapshot) = 0;

  /// Returns the records appended since the last snapshot.
  virtual std::size_t records_since_snapshot() const noexcept = 0;

  /// Returns where the log is kept, for messages.
  virtual std::string where() const = 0;

  /// Returns whether it is time to compact, given how many entries the
  /// last snapshot held: after at least 64 records, and at least as many
  /// as that, so that compaction costs O(1) per record.
  bool compaction_due(std::size_t snapshot_entries) const noexcept {
    return records_since_snapshot() >= std::max<std::size_t>(64, snapshot_entries);
  }
};

}  // namespace mensa::runtime
