#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/durable_log.hpp"
#include "runtime/expected.hpp"
#include "runtime/file_system.hpp"

namespace mensa::runtime {

/// A durable log of records in a directory: a snapshot (one record) and the
/// records appended since, each written as `[length][checksum][bytes]` and
/// flushed to disk before `append` returns. `compact` replaces both with a
/// new snapshot without ever rewriting the log in place: the new snapshot
/// is written beside the old one and renamed over it, then a new log
/// replaces the old. Logs are numbered, and a snapshot names the last log
/// it holds, so a crash between the two renames leaves a log that `open`
/// knows to be in the snapshot already and skips.
///
/// A record torn by a crash in the middle of `append` is the last thing in
/// the log: `open` drops it and cuts it off. A damaged record with others
/// after it is not a crash's doing, and `open` fails naming it. A write that
/// fails (a full disk, an I/O error) has what landed of it cut off at once;
/// should that fail too, the log refuses every write until `compact`
/// replaces it, so it never holds a torn record in its middle.
///
/// Its files are reached through a `file_system` (the real one unless a
/// test injects faults).
///
/// Not thread-safe; one owner (an actor) at a time.
class record_log final : public durable_log {
 public:
  record_log(const record_log&) = delete;
  record_log& operator=(const record_log&) = delete;
  record_log(record_log&& other) noexcept;
  record_log& operator=(record_log&& other) noexcept;
  ~record_log() override;

  /// Opens the log in `directory` (creating both), reading what is there
  /// into `found`; `fs` must outlive the log.
  static expected<record_log> open(const std::string& directory, contents& found,
                                   file_system& fs = real_file_system());

  /// Appends one record and flushes it to disk (with every record written
  /// before it).
  expected<void> append(std::string_view record) override;

  /// Appends one record without waiting for the disk: a crash before the
  /// next `sync` (or `append`) may lose it, and the records after it.
  expected<void> write(std::string_view record) override;

  /// Flushes to disk every record written since the last flush.
  expected<void> sync() override;

  /// Returns whether records were written and not flushed yet.
  bool unsynced() const noexcept override { return unsynced_; }

  /// Replaces the snapshot and every record with `snapshot`.
  expected<void> compact(std::string_view snapshot) override;

  /// Returns the records appended since the last snapshot.
  std::size_t records_since_snapshot() const noexcept override {
    return since_snapshot_;
  }

  /// Returns the directory.
  std::string where() const override { return directory_; }

  /// Returns the directory.
  const std::string& directory() const noexcept { return directory_; }

 private:
  record_log(file_system& fs, std::string directory, file_system::handle file,
             std::size_t size, std::size_t records, uint64_t generation);

  file_system* fs_;
  std::string directory_;
  file_system::handle file_ = -1;
  /// Bytes of the log file up to the end of its last whole record.
  std::size_t size_ = 0;
  std::size_t since_snapshot_ = 0;
  bool unsynced_ = false;
  /// Why the log refuses writes, or empty.
  std::string broken_;
  /// The number of the log being appended to.
  uint64_t generation_ = 1;
};

}  // namespace mensa::runtime
