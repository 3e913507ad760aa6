#include "tools/bench/bench_report.hpp"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "runtime/child_processes.hpp"
#include "runtime/testing/child_process.hpp"
#include "runtime/node_config.hpp"

namespace mensa::bench {

namespace {

// Renders one JSON value through protobuf's JSON printer.
std::string json_value(const google::protobuf::Value& value) {
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(value, &out).ok())
    return "null";
  return out;
}

std::string json_string(const std::string& text) {
  google::protobuf::Value value;
  value.set_string_value(text);
  return json_value(value);
}

std::string json_number(double number) {
  google::protobuf::Value value;
  value.set_number_value(number);
  return json_value(value);
}

}  // namespace

void print_result(const std::string& bench, const std::vector<param>& params,
                  const std::vector<std::pair<std::string, double>>& figures) {
  // Keys keep the order given, so lines compare easily run to run.
  std::string line = "{\"bench\":" + json_string(bench) + ",\"params\":{";
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto& p = params[i];
    line += (i > 0 ? "," : "") + json_string(p.name) + ":" +
            (p.is_text ? json_string(p.text) : json_number(p.number));
  }
  line += "},\"figures\":{";
  for (std::size_t i = 0; i < figures.size(); ++i)
    line += (i > 0 ? "," : "") + json_string(figures[i].first) + ":" +
            json_number(figures[i].second);
  line += "}}";
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

void fail(const std::string& why) {
  std::fprintf(stderr, "bench: %s\n", why.c_str());
  std::exit(1);
}

std::string mensa_program(const std::string& given) {
  return given.empty() ? runtime::testing::executable_directory() + "/../../mensa"
                       : given;
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double cpu_seconds_of(pid_t pid) {
  // Fields 14 and 15: user and system time in clock ticks.
  auto fields = runtime::child_processes::stat_fields(pid);
  if (fields.size() <= 15)
    return 0;
  return (std::stod(fields[14]) + std::stod(fields[15])) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

stopwatch::stopwatch(pid_t child)
    : child_(child),
      wall_start_(std::chrono::steady_clock::now()),
      cpu_start_(process_cpu_seconds() + (child > 0 ? cpu_seconds_of(child) : 0)) {}

double stopwatch::wall_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start_)
      .count();
}

double stopwatch::cpu_seconds() const {
  return process_cpu_seconds() + (child_ > 0 ? cpu_seconds_of(child_) : 0) - cpu_start_;
}

void countdown::count_down() {
  std::lock_guard<std::mutex> guard(mutex_);
  if (left_ > 0 && --left_ == 0)
    zero_.notify_all();
}

void countdown::wait() {
  std::unique_lock<std::mutex> guard(mutex_);
  zero_.wait(guard, [this] { return left_ == 0; });
}

bool countdown::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> guard(mutex_);
  return zero_.wait_for(guard, timeout, [this] { return left_ == 0; });
}

double median(std::vector<double> xs) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto mid = xs.size() / 2;
  return xs.size() % 2 == 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

double percentile(std::vector<double> xs, double p) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto index = static_cast<std::size_t>(p * static_cast<double>(xs.size() - 1) + 0.5);
  return xs[std::min(index, xs.size() - 1)];
}

std::vector<double> parse_numbers(const std::string& flag, const std::string& text,
                                  double min, double max) {
  std::vector<double> result;
  for (auto& part : runtime::split_list(text)) {
    std::size_t used = 0;
    double x = min - 1;
    try {
      x = std::stod(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != part.size() || !(x >= min && x < max)) {
      std::fprintf(stderr, "bench: --%s takes numbers from %g to below %g, not '%s'\n",
                   flag.c_str(), min, max, part.c_str());
      std::exit(2);
    }
    result.push_back(x);
  }
  if (result.empty()) {
    std::fprintf(stderr, "bench: --%s needs at least one number\n", flag.c_str());
    std::exit(2);
  }
  return result;
}

bool selected(const std::string& cases, const std::string& name) {
  auto items = runtime::split_list(cases);
  return std::find(items.begin(), items.end(), name) != items.end();
}

}  // namespace mensa::bench
