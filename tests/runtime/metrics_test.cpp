#include "runtime/metrics.hpp"

#include <doctest/doctest.h>

#include <thread>
#include <vector>

using namespace mensa::runtime;
using namespace std::chrono_literals;

TEST_CASE("counters count across threads") {
  metrics_registry registry;
  auto& hits = registry.counter("test/hits", "hits");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i)
        hits.increment();
    });
  for (auto& t : threads)
    t.join();
  CHECK(hits.value() == 40000);
  CHECK(&registry.counter("test/hits", "again") == &hits);
  CHECK(registry.value("test/hits") == 40000);
}

TEST_CASE("gauges go up and down") {
  metrics_registry registry;
  auto& load = registry.gauge("test/load", "load");
  load.set(2.5);
  load.add(-1);
  CHECK(load.value() == doctest::Approx(1.5));
}

TEST_CASE("timers keep count, extremes and quantiles") {
  metrics_registry registry;
  auto& latency = registry.timer("test/latency", "latency");
  for (int ms = 1; ms <= 100; ++ms)
    latency.record(std::chrono::milliseconds(ms));
  auto s = latency.read();
  CHECK(s.count == 100);
  CHECK(s.min_ms == doctest::Approx(1));
  CHECK(s.max_ms == doctest::Approx(100));
  CHECK(s.sum_ms == doctest::Approx(5050));
  CHECK(s.p50_ms == doctest::Approx(51).epsilon(0.02));
  CHECK(s.p99_ms == doctest::Approx(99).epsilon(0.02));
}

TEST_CASE("metrics render as JSON and in the Prometheus text format") {
  metrics_registry registry;
  registry.counter("runtime/messages_dropped/oversize", "dropped").increment(3);
  registry.gauge("runtime/processes", "processes").set(2);
  registry.timer("runtime/resolve", "resolve").record(2ms);
  auto json = registry.to_json();
  CHECK(json.find("\"runtime/messages_dropped/oversize\":3") != std::string::npos);
  CHECK(json.find("\"runtime/processes\":2") != std::string::npos);
  CHECK(json.find("\"runtime/resolve/count\":1") != std::string::npos);
  auto text = registry.to_prometheus();
  // Prometheus's conventions: counters end in _total, times in seconds.
  CHECK(text.find("# TYPE mensa_runtime_messages_dropped_oversize_total counter\n"
                  "mensa_runtime_messages_dropped_oversize_total 3\n") !=
        std::string::npos);
  CHECK(text.find("mensa_runtime_processes 2\n") != std::string::npos);
  CHECK(text.find("# TYPE mensa_runtime_resolve_seconds summary\n") !=
        std::string::npos);
  CHECK(text.find("mensa_runtime_resolve_seconds_count 1\n") != std::string::npos);
  CHECK(text.find("mensa_runtime_resolve_seconds_sum 0.002\n") != std::string::npos);
}
