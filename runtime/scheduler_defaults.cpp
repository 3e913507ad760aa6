#include "runtime/scheduler_defaults.hpp"

#include <chrono>

#include "caf/actor_system_config.hpp"
#include "caf/settings.hpp"

namespace mensa::runtime {

namespace {

// Sets `key` unless the user set it (flag or config file): CAF's own
// options stay available for tuning.
template <class T>
void default_to(caf::actor_system_config& cfg, const char* key, T value) {
  if (caf::get_if(&cfg.content, key) == nullptr)
    cfg.set(key, std::move(value));
}

}  // namespace

// Measured with tools/bench/runtime on 2 cores (see docs/performance.md):
//
// - CAF's work-stealing workers poll for 25 ms (500 polls, 50 us apart)
//   before they wait on a condition variable that new work notifies. Across
//   processes that polling is what a message waits for, and the polling of
//   idle workers starves the network threads: a remote round trip took
//   ~310 us. Without the polling phase workers go straight to the condition
//   variable (after 100 quick polls): ~92 us. They still wake every 10 ms
//   (CAF's own default) to steal work that queued up elsewhere; waking every
//   1 ms cost an idle node 4% of a core and, by stealing more, made actors
//   move between cores (two ping-pong pairs: 2.4 M round trips/s at 1 ms,
//   4.2 M at 10 ms).
// - `sharing` (one queue under a mutex) gave ~89 us remote but halved the
//   throughput of the pairs workload on 2 threads and made local round
//   trips 6x slower; one worker thread fixed local latency but caps a node
//   at one core for actors.
// - Deserializing on the network thread (`middleman.workers` 0) instead of
//   handing each message to a deserialization worker saves a thread hop
//   per message received.
void apply_scheduler_defaults(caf::actor_system_config& cfg,
                              std::size_t worker_threads) {
  if (worker_threads > 0)
    cfg.set("scheduler.max-threads", worker_threads);
  default_to(cfg, "work-stealing.moderate-poll-attempts", std::size_t{0});
  default_to(cfg, "work-stealing.relaxed-sleep-duration",
             caf::timespan{std::chrono::milliseconds(10)});
  default_to(cfg, "middleman.workers", std::size_t{0});
}

}  // namespace mensa::runtime
