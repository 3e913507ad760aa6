#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/file_system.hpp"
#include "runtime/splitmix64.hpp"

namespace mensa::runtime::testing {

/// A file system in memory that keeps track of what would survive a crash,
/// and fails on demand: LevelDB's fault_injection_test in spirit.
///
/// Bytes appended to a file are durable once the file is synced; a file
/// made or renamed is there after a crash once its directory is synced.
/// `crash()` throws away everything that was not durable, as losing power
/// would: files go back to their last synced contents, and names made or
/// moved since the last directory sync go back to what they were.
///
/// Faults: the next writes, syncs or renames can fail (EIO), the disk can
/// fill up (a write that does not fit lands in part, then fails with
/// ENOSPC), and each operation can fail at random with a probability drawn
/// from a seed (for the chaos run). Safe to use from any thread.
class faulty_file_system final : public file_system {
 public:
  /// An operation faults can be aimed at.
  enum class operation { write, sync, rename };

  /// Counts of what the file system refused.
  struct fault_counts {
    uint64_t writes = 0;
    uint64_t syncs = 0;
    uint64_t renames = 0;
    uint64_t full = 0;
    uint64_t crashes = 0;
  };

  /// An empty file system; random faults draw from `seed`.
  explicit faulty_file_system(uint64_t seed = 1);

  /// Fails `count` operations `op` after letting the next `skip` succeed.
  void fail_next(operation op, int count = 1, int skip = 0);

  /// Leaves room for `bytes` more bytes of appended data; then the disk is
  /// full. `std::nullopt` makes room without end (the default).
  void limit_space(std::optional<std::size_t> bytes);

  /// Fails each write, sync and rename with probability `p` (0 turns it
  /// off).
  void fail_at_random(double p);

  /// Loses everything that was not durable, as a crash would.
  void crash();

  /// Returns what was refused so far.
  fault_counts faults() const;

  /// Returns the contents of `path` now (empty if there is none).
  std::string contents(const std::string& path) const;

  expected<void> create_directories(const std::string& directory) override;
  bool exists(const std::string& path) override;
  expected<std::string> read(const std::string& path) override;
  expected<handle> open_for_append(const std::string& path, bool create) override;
  expected<void> append(handle file, std::string_view bytes) override;
  expected<void> sync(handle file) override;
  expected<void> truncate(handle file, std::size_t size) override;
  void close(handle file) override;
  expected<void> rename(const std::string& from, const std::string& to) override;
  expected<void> sync_directory(const std::string& directory) override;

 private:
  using inode_id = uint64_t;

  struct inode {
    std::string data;
    std::string durable;
  };

  bool injected(operation op);
  inode* open_inode(handle file);
  static failure bad_handle(handle file);
  failure fault(const std::string& what, const std::string& path, const char* reason);

  mutable std::mutex mutex_;
  splitmix64 random_;
  double random_probability_ = 0;
  struct planned_faults {
    int skip = 0;
    int count = 0;
  };
  std::map<operation, planned_faults> pending_faults_;
  std::optional<std::size_t> space_;
  fault_counts counts_;
  inode_id next_inode_ = 1;
  handle next_handle_ = 1;
  std::map<inode_id, inode> inodes_;
  // Names as readers see them, and as a crash would leave them.
  std::map<std::string, inode_id> names_;
  std::map<std::string, inode_id> durable_names_;
  std::map<handle, inode_id> open_;
};

}  // namespace mensa::runtime::testing
