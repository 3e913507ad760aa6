#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/expected.hpp"

namespace mensa::runtime::testing {

/// A program started by a test or benchmark, with its stdout read line by
/// line and its stdin held open (it sees EOF when we go away). Destroying
/// it kills the program and reaps it.
class child_process {
 public:
  /// Starts `argv[0]` with `argv` and the caller's environment, where the
  /// `NAME=value` entries of `environment` are added or replace the
  /// caller's; stderr stays the caller's.
  static expected<child_process> start(
      const std::vector<std::string>& argv,
      const std::vector<std::string>& environment = {});

  /// No program (a placeholder to assign a started one to).
  child_process() = default;

  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();

  /// Returns the process id.
  pid_t pid() const noexcept { return pid_; }

  /// Waits for a line of stdout that starts with `prefix` and returns the
  /// rest of it; fails on timeout or when stdout closes first.
  expected<std::string> wait_for_line(std::string_view prefix,
                                      std::chrono::milliseconds timeout);

  /// Waits for a line of stdout that contains `text` and returns it; fails
  /// on timeout or when stdout closes first.
  expected<std::string> wait_for_line_containing(std::string_view text,
                                                 std::chrono::milliseconds timeout);

  /// Returns the lines read so far.
  const std::vector<std::string>& lines() const noexcept { return lines_; }

  /// Sends `signal` to the program.
  void signal(int signal);

  /// Closes the program's stdin.
  void close_stdin();

  /// Waits for the program to end; returns its exit code, or 128 + the
  /// signal that ended it. Fails on timeout.
  expected<int> wait(std::chrono::milliseconds timeout);

 private:
  bool read_more(std::chrono::milliseconds timeout);
  expected<std::string> wait_for_matching_line(
      const std::function<bool(std::string_view)>& matches, std::string_view what,
      std::chrono::milliseconds timeout);
  void release();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int stdout_ = -1;
  int stdin_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  std::string buffer_;
  std::vector<std::string> lines_;
};

/// Returns the directory of the running executable.
std::string executable_directory();

}  // namespace mensa::runtime::testing
