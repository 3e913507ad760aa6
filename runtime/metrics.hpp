#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mensa::runtime {

/// A count that only goes up. Safe to use from any thread.
class counter {
 public:
  /// Adds `n`.
  void increment(uint64_t n = 1) noexcept {
    value_.fetch_add(n, std::memory_order_relaxed);
  }

  /// Returns the current count.
  uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

/// A value that goes up and down. Safe to use from any thread.
class gauge {
 public:
  /// Sets the value.
  void set(double x) noexcept { value_.store(x, std::memory_order_relaxed); }

  /// Adds `x` (which may be negative).
  void add(double x) noexcept;

  /// Returns the current value.
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

/// Durations of a repeated operation: count, sum, min, max, and quantiles
/// over the most recent samples. Safe to use from any thread.
class timing {
 public:
  /// How many recent samples the quantiles are computed over.
  static constexpr std::size_t window = 1024;

  /// What a timer has recorded, all durations in milliseconds.
  struct snapshot {
    uint64_t count = 0;
    double sum_ms = 0;
    double min_ms = 0;
    double max_ms = 0;
    double p50_ms = 0;
    double p90_ms = 0;
    double p99_ms = 0;
  };

  /// Records one duration.
  void record(std::chrono::nanoseconds d);

  /// Returns what has been recorded so far.
  snapshot read() const;

 private:
  mutable std::mutex mutex_;
  uint64_t count_ = 0;
  double sum_ms_ = 0;
  double min_ms_ = 0;
  double max_ms_ = 0;
  std::vector<double> recent_;
  std::size_t next_ = 0;
};

/// The metrics of one node, by name. Names are paths such as
/// `runtime/messages_dropped/unknown_type`: lower-case letters, digits, '_'
/// and '/'. Registering a name again returns the same metric; the returned
/// references stay valid as long as the registry.
class metrics_registry {
 public:
  metrics_registry() = default;
  metrics_registry(const metrics_registry&) = delete;
  metrics_registry& operator=(const metrics_registry&) = delete;

  /// Returns the counter `name`, creating it with `help` if needed.
  runtime::counter& counter(std::string_view name, std::string_view help);

  /// Returns the gauge `name`, creating it with `help` if needed.
  runtime::gauge& gauge(std::string_view name, std::string_view help);

  /// Returns the timer `name`, creating it with `help` if needed.
  runtime::timing& timer(std::string_view name, std::string_view help);

  /// A metric a collector computed for one snapshot.
  struct collected {
    std::string name;
    std::string help;
    double value = 0;
    /// A count that only goes up (else a value that goes up and down).
    bool is_counter = false;
  };
  using collection = std::vector<collected>;

  /// Computes metrics where their state lives (inside a process), for each
  /// snapshot: called with `deliver`, which it calls once, from any thread,
  /// with the metrics. A `deliver` destroyed uncalled (its process was
  /// gone) delivers nothing, so no snapshot waits for a dead process.
  using collector = std::function<void(std::function<void(collection)> deliver)>;

  /// Adds a collector for `owner` (see `remove_collectors`).
  void add_collector(const void* owner, collector c);

  /// Removes the collectors of `owner`.
  void remove_collectors(const void* owner);

  /// Asks every collector and calls `done` with what they all delivered,
  /// from whichever thread delivers last (at once if there are none). The
  /// registered metrics are not in it: `to_json` and `to_prometheus` add
  /// them.
  void collect(std::function<void(collection)> done) const;

  /// Returns the value of counter or gauge `name`, or 0 if there is none.
  double value(std::string_view name) const;

  /// Returns every metric's value by name, flat, Mesos style: counters and
  /// gauges by name, timers as `name/count`, `name/p50_ms` and so on; then
  /// those of `extra`.
  std::vector<std::pair<std::string, double>> values(
      const collection& extra = {}) const;

  /// Renders `values()` and `extra` as one flat JSON object
  /// (`/metrics/snapshot`).
  std::string to_json(const collection& extra = {}) const;

  /// Renders every metric and `extra` in the Prometheus text format; names
  /// are prefixed with `mensa_` and '/' becomes '_'.
  std::string to_prometheus(const collection& extra = {}) const;

 private:
  enum class kind { counter, gauge, timer };

  struct entry {
    kind type;
    std::string help;
    std::unique_ptr<runtime::counter> as_counter;
    std::unique_ptr<runtime::gauge> as_gauge;
    std::unique_ptr<runtime::timing> as_timer;
  };

  entry& find_or_add(std::string_view name, std::string_view help, kind type);

  mutable std::mutex mutex_;
  std::map<std::string, entry, std::less<>> entries_;
  std::vector<std::pair<const void*, collector>> collectors_;
};

/// Measures the time from construction to destruction into a timer.
class scoped_timing {
 public:
  /// Starts measuring for `target`.
  explicit scoped_timing(runtime::timing& target)
      : target_(target), start_(std::chrono::steady_clock::now()) {}

  ~scoped_timing() { target_.record(std::chrono::steady_clock::now() - start_); }

  scoped_timing(const scoped_timing&) = delete;
  scoped_timing& operator=(const scoped_timing&) = delete;

 private:
  runtime::timing& target_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace mensa::runtime
