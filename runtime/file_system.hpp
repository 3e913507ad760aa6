#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "runtime/expected.hpp"

namespace mensa::runtime {

/// The few file operations a durable log needs, behind an interface so
/// that tests can make them fail (runtime/testing/faulty_file_system): a
/// write, a flush or a rename that fails, a full disk, a crash that loses
/// what was not flushed. Files are named by path and, once open, by the
/// handle `open` returned. Errors name the path and say what failed.
class file_system {
 public:
  /// An open file.
  using handle = int;

  virtual ~file_system() = default;

  /// Creates `directory` and its parents as needed.
  virtual expected<void> create_directories(const std::string& directory) = 0;

  /// Returns whether `path` exists.
  virtual bool exists(const std::string& path) = 0;

  /// Reads the whole file at `path`.
  virtual expected<std::string> read(const std::string& path) = 0;

  /// Opens `path` for appending; with `create`, an empty file is made (or
  /// an existing one emptied) first.
  virtual expected<handle> open_for_append(const std::string& path, bool create) = 0;

  /// Appends `bytes` to the file. On failure some of them may have landed.
  virtual expected<void> append(handle file, std::string_view bytes) = 0;

  /// Makes what was appended to the file durable.
  virtual expected<void> sync(handle file) = 0;

  /// Cuts the file to `size` bytes.
  virtual expected<void> truncate(handle file, std::size_t size) = 0;

  /// Closes the file.
  virtual void close(handle file) = 0;

  /// Renames `from` to `to`, replacing `to`; durable once its directory is
  /// synced.
  virtual expected<void> rename(const std::string& from, const std::string& to) = 0;

  /// Makes the directory's entries (files made, renamed) durable.
  virtual expected<void> sync_directory(const std::string& directory) = 0;
};

/// Returns the operating system's file system.
file_system& real_file_system();

}  // namespace mensa::runtime
