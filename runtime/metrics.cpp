#include "runtime/metrics.hpp"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace mensa::runtime {

namespace {

bool valid_metric_name(std::string_view name) {
  return !name.empty() && name.front() != '/' && name.back() != '/' &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '/';
         });
}

std::string prometheus_name(const std::string& name) {
  std::string result = "mensa_" + name;
  std::replace(result.begin(), result.end(), '/', '_');
  return result;
}

double quantile(std::vector<double> sorted, double q) {
  if (sorted.empty())
    return 0;
  auto index =
      static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

void gauge::add(double x) noexcept {
  auto current = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(current, current + x, std::memory_order_relaxed))
    ;
}

void timing::record(std::chrono::nanoseconds d) {
  auto ms = std::chrono::duration<double, std::milli>(d).count();
  std::lock_guard<std::mutex> guard(mutex_);
  if (count_ == 0 || ms < min_ms_)
    min_ms_ = ms;
  if (count_ == 0 || ms > max_ms_)
    max_ms_ = ms;
  ++count_;
  sum_ms_ += ms;
  if (recent_.size() < window) {
    recent_.push_back(ms);
  } else {
    recent_[next_] = ms;
    next_ = (next_ + 1) % window;
  }
}

timing::snapshot timing::read() const {
  snapshot result;
  std::vector<double> sorted;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    result.count = count_;
    result.sum_ms = sum_ms_;
    result.min_ms = min_ms_;
    result.max_ms = max_ms_;
    sorted = recent_;
  }
  std::sort(sorted.begin(), sorted.end());
  result.p50_ms = quantile(sorted, 0.50);
  result.p90_ms = quantile(sorted, 0.90);
  result.p99_ms = quantile(sorted, 0.99);
  return result;
}

metrics_registry::entry& metrics_registry::find_or_add(std::string_view name,
                                                       std::string_view help,
                                                       kind type) {
  if (!valid_metric_name(name)) {
    // A metric name is fixed in the code, so a bad one is a bug to fix now.
    std::fprintf(stderr, "mensa: invalid metric name '%.*s'\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  std::lock_guard<std::mutex> guard(mutex_);
  auto i = entries_.find(name);
  if (i != entries_.end()) {
    if (i->second.type != type) {
      std::fprintf(stderr, "mensa: metric '%.*s' registered as two kinds\n",
                   static_cast<int>(name.size()), name.data());
      std::abort();
    }
    return i->second;
  }
  entry added{type, std::string(help), nullptr, nullptr, nullptr};
  switch (type) {
    case kind::counter:
      added.as_counter = std::make_unique<runtime::counter>();
      break;
    case kind::gauge:
      added.as_gauge = std::make_unique<runtime::gauge>();
      break;
    case kind::timer:
      added.as_timer = std::make_unique<runtime::timing>();
      break;
  }
  return entries_.emplace(std::string(name), std::move(added)).first->second;
}

counter& metrics_registry::counter(std::string_view name, std::string_view help) {
  return *find_or_add(name, help, kind::counter).as_counter;
}

gauge& metrics_registry::gauge(std::string_view name, std::string_view help) {
  return *find_or_add(name, help, kind::gauge).as_gauge;
}

timing& metrics_registry::timer(std::string_view name, std::string_view help) {
  return *find_or_add(name, help, kind::timer).as_timer;
}

double metrics_registry::value(std::string_view name) const {
  std::lock_guard<std::mutex> guard(mutex_);
  auto i = entries_.find(name);
  if (i == entries_.end())
    return 0;
  switch (i->second.type) {
    case kind::counter:
      return static_cast<double>(i->second.as_counter->value());
    case kind::gauge:
      return i->second.as_gauge->value();
    case kind::timer:
      return static_cast<double>(i->second.as_timer->read().count);
  }
  return 0;
}

std::vector<std::pair<std::string, double>> metrics_registry::values(
    const collection& extra) const {
  std::vector<std::pair<std::string, double>> out;
  std::lock_guard<std::mutex> guard(mutex_);
  for (auto& [name, e] : entries_) {
    switch (e.type) {
      case kind::counter:
        out.emplace_back(name, static_cast<double>(e.as_counter->value()));
        break;
      case kind::gauge:
        out.emplace_back(name, e.as_gauge->value());
        break;
      case kind::timer: {
        auto s = e.as_timer->read();
        out.emplace_back(name + "/count", static_cast<double>(s.count));
        out.emplace_back(name + "/sum_ms", s.sum_ms);
        out.emplace_back(name + "/min_ms", s.min_ms);
        out.emplace_back(name + "/max_ms", s.max_ms);
        out.emplace_back(name + "/p50_ms", s.p50_ms);
        out.emplace_back(name + "/p90_ms", s.p90_ms);
        out.emplace_back(name + "/p99_ms", s.p99_ms);
        break;
      }
    }
  }
  for (auto& m : extra)
    out.emplace_back(m.name, m.value);
  return out;
}

void metrics_registry::add_collector(const void* owner, collector c) {
  std::lock_guard<std::mutex> guard(mutex_);
  collectors_.emplace_back(owner, std::move(c));
}

void metrics_registry::remove_collectors(const void* owner) {
  std::lock_guard<std::mutex> guard(mutex_);
  collectors_.erase(std::remove_if(collectors_.begin(), collectors_.end(),
                                   [owner](auto& c) { return c.first == owner; }),
                    collectors_.end());
}

namespace {

// One snapshot's collection: what the collectors delivered so far, and how
// many are still to.
struct gathering {
  std::mutex mutex;
  metrics_registry::collection all;
  std::size_t left = 0;
  std::function<void(metrics_registry::collection)> done;

  void add(metrics_registry::collection part) {
    std::unique_lock<std::mutex> lock(mutex);
    for (auto& m : part)
      all.push_back(std::move(m));
    if (--left > 0)
      return;
    auto finish = std::move(done);
    auto result = std::move(all);
    lock.unlock();
    finish(std::move(result));
  }
};

// One collector's share of a gathering: delivers once, or nothing when
// destroyed undelivered.
struct share {
  std::shared_ptr<gathering> to;
  std::atomic<bool> delivered{false};

  explicit share(std::shared_ptr<gathering> g) : to(std::move(g)) {}
  ~share() {
    if (!delivered.exchange(true))
      to->add({});
  }
  void deliver(metrics_registry::collection part) {
    if (!delivered.exchange(true))
      to->add(std::move(part));
  }
};

}  // namespace

void metrics_registry::collect(std::function<void(collection)> done) const {
  std::vector<collector> asked;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    for (auto& [owner, c] : collectors_)
      asked.push_back(c);
  }
  if (asked.empty()) {
    done({});
    return;
  }
  auto g = std::make_shared<gathering>();
  g->left = asked.size();
  g->done = std::move(done);
  for (auto& c : asked) {
    auto part = std::make_shared<share>(g);
    c([part](collection metrics) { part->deliver(std::move(metrics)); });
  }
}

std::string metrics_registry::to_json(const collection& extra) const {
  google::protobuf::Struct root;
  auto& fields = *root.mutable_fields();
  for (auto& [name, value] : values(extra))
    fields[name].set_number_value(value);
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  auto status = google::protobuf::util::MessageToJsonString(root, &out, options);
  if (!status.ok())
    return "{}";
  return out;
}

std::string metrics_registry::to_prometheus(const collection& extra) const {
  // Prometheus's conventions: counters end in _total, times are in seconds
  // (promtool check metrics rejects abbreviated units).
  std::ostringstream out;
  auto sample = [&out](const std::string& name, const std::string& help, bool counter,
                       auto value) {
    auto prom = prometheus_name(name) + (counter ? "_total" : "");
    out << "# HELP " << prom << ' ' << help << '\n'
        << "# TYPE " << prom << (counter ? " counter\n" : " gauge\n") << prom << ' '
        << value << '\n';
  };
  for (auto& m : extra)
    sample(m.name, m.help, m.is_counter, m.value);
  std::lock_guard<std::mutex> guard(mutex_);
  for (auto& [name, e] : entries_) {
    switch (e.type) {
      case kind::counter:
        sample(name, e.help, true, e.as_counter->value());
        break;
      case kind::gauge:
        sample(name, e.help, false, e.as_gauge->value());
        break;
      case kind::timer: {
        auto prom = prometheus_name(name) + "_seconds";
        auto s = e.as_timer->read();
        out << "# HELP " << prom << ' ' << e.help << '\n'
            << "# TYPE " << prom << " summary\n"
            << prom << "{quantile=\"0.5\"} " << s.p50_ms / 1000 << '\n'
            << prom << "{quantile=\"0.9\"} " << s.p90_ms / 1000 << '\n'
            << prom << "{quantile=\"0.99\"} " << s.p99_ms / 1000 << '\n'
            << prom << "_sum " << s.sum_ms / 1000 << '\n'
            << prom << "_count " << s.count << '\n';
        break;
      }
    }
  }
  return out.str();
}

}  // namespace mensa::runtime
