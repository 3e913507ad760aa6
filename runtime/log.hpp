#pragma once

#include <cstdint>
#include <string_view>

#include "runtime/expected.hpp"

namespace mensa::runtime {

/// How much a mensa process writes to stderr, from least to most.
enum class log_level { error = 0, warning = 1, info = 2, debug = 3 };

/// Sets the most detailed level that is written (default: info).
void set_log_level(log_level level) noexcept;

/// Returns whether messages at `level` are written.
bool log_enabled(log_level level) noexcept;

/// Parses `error`, `warning`, `info` or `debug`.
expected<log_level> parse_log_level(std::string_view text);

/// Writes one line to stderr: level, wall-clock time, component, message.
/// Safe to call from any thread; lines never interleave.
void log(log_level level, std::string_view component, std::string_view message);

/// Decides which occurrences of a repeating event are worth a log line: the
/// first ten, then every thousandth. Keeps a flood of bad input from
/// flooding the log while counters keep the exact numbers.
class log_throttle {
 public:
  /// Counts one occurrence and returns whether to log it.
  bool admit() noexcept {
    ++seen_;
    return seen_ <= 10 || seen_ % 1000 == 0;
  }

  /// Returns how many occurrences were counted.
  uint64_t seen() const noexcept { return seen_; }

 private:
  uint64_t seen_ = 0;
};

}  // namespace mensa::runtime
