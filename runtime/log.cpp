#include "runtime/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace mensa::runtime {

namespace {

std::atomic<int> threshold{static_cast<int>(log_level::info)};

std::mutex output_mutex;

char level_letter(log_level level) {
  switch (level) {
    case log_level::error:
      return 'E';
    case log_level::warning:
      return 'W';
    case log_level::info:
      return 'I';
    case log_level::debug:
      return 'D';
  }
  return '?';
}

}  // namespace

void set_log_level(log_level level) noexcept {
  threshold.store(static_cast<int>(level), std::memory_order_relaxed);
}

bool log_enabled(log_level level) noexcept {
  return static_cast<int>(level) <= threshold.load(std::memory_order_relaxed);
}

expected<log_level> parse_log_level(std::string_view text) {
  if (text == "error")
    return log_level::error;
  if (text == "warning")
    return log_level::warning;
  if (text == "info")
    return log_level::info;
  if (text == "debug")
    return log_level::debug;
  return failure{"invalid log level '" + std::string(text) +
                 "' (expected error, warning, info or debug)"};
}

void log(log_level level, std::string_view component, std::string_view message) {
  if (!log_enabled(level))
    return;
  using namespace std::chrono;
  auto now = system_clock::now();
  auto seconds = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm parts{};
  localtime_r(&seconds, &parts);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &parts);
  std::lock_guard<std::mutex> guard(output_mutex);
  std::fprintf(stderr, "%c %s.%03d %.*s: %.*s\n", level_letter(level), stamp,
               static_cast<int>(millis), static_cast<int>(component.size()),
               component.data(), static_cast<int>(message.size()), message.data());
}

}  // namespace mensa::runtime
