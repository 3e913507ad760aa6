#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mensa::bench {

/// A parameter of a benchmark case: a number or a word.
struct param {
  std::string name;
  std::string text;
  double number = 0;
  bool is_text = false;
};

/// Makes a numeric parameter.
inline param number(std::string name, double value) {
  return {std::move(name), {}, value, false};
}

/// Makes a word parameter.
inline param word(std::string name, std::string value) {
  return {std::move(name), std::move(value), 0, true};
}

/// Stops the benchmark: prints `bench: <why>` to stderr and exits with 1.
[[noreturn]] void fail(const std::string& why);

/// Returns the `mensa` program to run: `given` (a `--mensa` flag) if set,
/// else the one this build made beside the benchmarks.
std::string mensa_program(const std::string& given);

/// Prints one result line: {"bench": ..., "params": {...}, "figures": {...}}.
void print_result(const std::string& bench, const std::vector<param>& params,
                  const std::vector<std::pair<std::string, double>>& figures);

/// Returns the CPU seconds (user + system) this process has used.
double process_cpu_seconds();

/// Returns the CPU seconds (user + system) process `pid` has used.
double cpu_seconds_of(pid_t pid);

/// Measures wall and CPU time of one run, optionally including a child.
class stopwatch {
 public:
  explicit stopwatch(pid_t child = -1);
  double wall_seconds() const;
  double cpu_seconds() const;

 private:
  pid_t child_;
  std::chrono::steady_clock::time_point wall_start_;
  double cpu_start_;
};

/// Counts down from n; `wait` returns when it reaches zero. Thread-safe.
class countdown {
 public:
  explicit countdown(std::size_t n) : left_(n) {}
  void count_down();
  void wait();
  /// Waits at most `timeout`; returns whether zero was reached.
  bool wait_for(std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable zero_;
  std::size_t left_;
};

/// Parses `text`, the comma-separated numbers given to `--flag`, each at
/// least `min` and below `max`; anything else prints one line saying what
/// is wrong and exits with 2.
std::vector<double> parse_numbers(const std::string& flag, const std::string& text,
                                  double min, double max);

/// Returns whether the comma-separated `cases` names `name`.
bool selected(const std::string& cases, const std::string& name);

/// Returns the median of `xs` (which it sorts).
double median(std::vector<double> xs);

/// Returns the `p` quantile (0 to 1) of `xs`, nearest rank; 0 when empty.
double percentile(std::vector<double> xs, double p);

}  // namespace mensa::bench
