// tools/bench/runtime: throughput and latency of mensa's runtime, against
// the same workloads written directly on CAF where the issue asks for it.
// Prints one JSON object per case.

#include <algorithm>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "mensa/internal/runtime.pb.h"
#include "runtime/node.hpp"
#include "runtime/scheduler_defaults.hpp"
#include "runtime/testing/child_process.hpp"
#include "runtime/testing/test_certificate_authority.hpp"
#include "runtime/testing/temporary_directory.hpp"
#include "tools/bench/runtime_bench/bench_payload.pb.h"
#include "tools/bench/bench_report.hpp"
#include "tools/bench/runtime_bench/mensa_workloads.hpp"
#include "tools/bench/runtime_bench/raw_caf_workloads.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mensa::bench::BenchStatus)

namespace mensa::bench {

namespace {

using runtime::address;
using runtime::testing::child_process;
using runtime::testing::tls_files;

class bench_config : public runtime::node_config {
 public:
  bench_config() {
    usage =
        "Usage: tools/bench/runtime [flags]\n\n"
        "Measures mensa's runtime: actor pairs, client-server in one process and\n"
        "across two, and round-trip latency. Prints one JSON object per case.";
    opt_group{custom_options_, "global"}
        .add(cases, "cases",
             "comma-separated subset of pairs, client_server, client_server_remote, "
             "rtt_local, rtt_remote (all)")
        .add(pair_round_trips, "pair_round_trips",
             "round trips per pairs case (15000000)")
        .add(reps, "reps",
             "runs of each case; the run with the median time is reported (3)")
        .add(only_pairs, "only_pairs", "run the pairs case for this many pairs only")
        .add(skip_raw, "skip_raw", "do not run the raw CAF comparison (for profiling)")
        .add(skip_mensa, "skip_mensa",
             "run only the raw CAF comparison (for profiling)")
        .add(serve, "serve", "internal: be the server of the remote cases");
  }

  std::string cases = "pairs,client_server,client_server_remote,rtt_local,rtt_remote";
  std::size_t pair_round_trips = 15'000'000;
  std::size_t reps = 3;
  bool serve = false;
  std::size_t only_pairs = 0;
  bool skip_raw = false;
  bool skip_mensa = false;
};

// The payloads: none (an empty message or atoms only), a 3-byte body, and a
// ~100-byte protobuf shaped like a task status.
enum class payload_kind { none, bytes3, protobuf };

const char* to_string(payload_kind kind) {
  switch (kind) {
    case payload_kind::none:
      return "none";
    case payload_kind::bytes3:
      return "3_bytes";
    case payload_kind::protobuf:
      return "protobuf_100_bytes";
  }
  return "?";
}

BenchStatus status_payload() {
  BenchStatus status;
  status.set_task_id("task-000123-4f1c2d");
  status.set_agent_id("agent-6a1f0b2e-0007-s12");
  status.set_state(1);
  status.set_message("Container started");
  status.set_timestamp(1767225600.125);
  status.set_uuid(std::string(16, '\x5a'));
  return status;
}

runtime::message_ptr request_for(payload_kind kind) {
  if (kind == payload_kind::protobuf)
    return std::make_shared<BenchStatus>(status_payload());
  auto ping = std::make_shared<internal::Ping>();
  if (kind == payload_kind::bytes3)
    ping->set_payload("abc");
  return ping;
}

struct run_result {
  double wall_s = 0;
  double cpu_s = 0;
};

std::unique_ptr<runtime::node> start_node(const tls_files* tls = nullptr) {
  auto cfg = std::make_unique<runtime::node_config>();
  if (tls != nullptr) {
    cfg->tls_certificate = tls->certificate;
    cfg->tls_key = tls->key;
    cfg->tls_ca = tls->ca;
  }
  auto started = runtime::node::start(std::move(cfg));
  if (!started) {
    std::fprintf(stderr, "bench: %s\n", started.error().message.c_str());
    std::exit(1);
  }
  return std::move(*started);
}

// Makes process names unique across runs on one node.
std::string fresh_name(const char* prefix) {
  static int next = 0;
  return prefix + std::to_string(++next);
}

// Spawns `P` on `n` or stops the benchmark with the reason.
template <class P, class... Ts>
address spawn_or_exit(runtime::node& n, const std::string& name, Ts&&... xs) {
  auto spawned = n.spawn<P>(name, std::forward<Ts>(xs)...);
  if (!spawned) {
    std::fprintf(stderr, "bench: %s\n", spawned.error().message.c_str());
    std::exit(1);
  }
  return *spawned;
}

// Runs `clients` windowed clients against `server`, which may be remote.
template <class M>
run_result run_clients(runtime::node& n, const address& server, std::size_t clients,
                       uint64_t quota, std::size_t window, payload_kind kind,
                       pid_t server_pid = -1,
                       std::vector<double>* round_trips = nullptr) {
  countdown done(clients);
  stopwatch watch(server_pid);
  for (std::size_t c = 0; c < clients; ++c)
    spawn_or_exit<windowed_client<M>>(n, fresh_name("client-"), server, quota, window,
                                      request_for(kind), &done, round_trips);
  if (!done.wait_for(std::chrono::seconds(60))) {
    std::fprintf(stderr, "bench: clients stalled; node metrics: %s\n",
                 n.metrics().to_json().c_str());
    std::exit(1);
  }
  return {watch.wall_seconds(), watch.cpu_seconds()};
}

// `servers` echo servers in one node, `clients_each` clients per server.
template <class M>
run_result run_mensa(std::size_t servers, std::size_t clients_each, uint64_t quota,
                     std::size_t window, payload_kind kind) {
  auto n = start_node();
  std::vector<address> addresses;
  for (std::size_t s = 0; s < servers; ++s)
    addresses.push_back(spawn_or_exit<echo_server<M>>(*n, fresh_name("server-")));
  countdown done(servers * clients_each);
  stopwatch watch;
  for (std::size_t s = 0; s < servers; ++s)
    for (std::size_t c = 0; c < clients_each; ++c)
      spawn_or_exit<windowed_client<M>>(*n, fresh_name("client-"), addresses[s], quota,
                                        window, request_for(kind), &done);
  done.wait();
  return {watch.wall_seconds(), watch.cpu_seconds()};
}

// The same on raw CAF, with the node's scheduler settings.
template <class Payload, class... Body>
run_result run_raw(std::size_t servers, std::size_t clients_each, uint64_t quota,
                   std::size_t window, Body... body) {
  caf::actor_system_config cfg;
  runtime::apply_scheduler_defaults(cfg, 0);
  caf::actor_system sys{cfg};
  std::vector<caf::actor> handles;
  for (std::size_t s = 0; s < servers; ++s)
    handles.push_back(sys.spawn(raw_echo_server<Payload>));
  countdown done(servers * clients_each);
  stopwatch watch;
  for (auto& server : handles)
    for (std::size_t c = 0; c < clients_each; ++c)
      sys.spawn(raw_windowed_client<Payload, Body...>, server, quota, window, &done,
                body...);
  done.wait();
  run_result result{watch.wall_seconds(), watch.cpu_seconds()};
  for (auto& server : handles)
    caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
  return result;
}

run_result run_mensa_of(payload_kind kind, std::size_t servers,
                        std::size_t clients_each, uint64_t quota, std::size_t window) {
  if (kind == payload_kind::protobuf)
    return run_mensa<BenchStatus>(servers, clients_each, quota, window, kind);
  return run_mensa<internal::Ping>(servers, clients_each, quota, window, kind);
}

run_result run_raw_of(payload_kind kind, std::size_t servers, std::size_t clients_each,
                      uint64_t quota, std::size_t window) {
  switch (kind) {
    case payload_kind::none:
      return run_raw<void>(servers, clients_each, quota, window);
    case payload_kind::bytes3:
      return run_raw<std::string>(servers, clients_each, quota, window,
                                  std::string("abc"));
    case payload_kind::protobuf:
      return run_raw<BenchStatus>(servers, clients_each, quota, window,
                                  status_payload());
  }
  return {};
}

// Runs `fn` `reps` times; returns the run with the median wall time.
template <class F>
run_result median_run(std::size_t reps, F fn) {
  std::vector<run_result> runs;
  for (std::size_t i = 0; i < std::max<std::size_t>(reps, 1); ++i)
    runs.push_back(fn());
  std::sort(runs.begin(), runs.end(), [](const run_result& x, const run_result& y) {
    return x.wall_s < y.wall_s;
  });
  return runs[runs.size() / 2];
}

void bench_pairs(const bench_config& cfg) {
  for (std::size_t pairs : {2, 8}) {
    if (cfg.only_pairs != 0 && pairs != cfg.only_pairs)
      continue;
    for (auto kind : {payload_kind::none, payload_kind::protobuf}) {
      auto quota = cfg.pair_round_trips / pairs;
      auto total = static_cast<double>(quota * pairs);
      auto raw = cfg.skip_raw ? run_result{1, 1} : median_run(cfg.reps, [&] {
        return run_raw_of(kind, pairs, 1, quota, 1000);
      });
      auto ours = cfg.skip_mensa ? raw : median_run(cfg.reps, [&] {
        return run_mensa_of(kind, pairs, 1, quota, 1000);
      });
      print_result("pairs",
                   {number("pairs", static_cast<double>(pairs)), number("window", 1000),
                    word("payload", to_string(kind)), number("round_trips", total),
                    number("reps", cfg.reps)},
                   {{"round_trips_per_s", total / ours.wall_s},
                    {"raw_caf_round_trips_per_s", total / raw.wall_s},
                    {"ratio_vs_raw_caf", raw.wall_s / ours.wall_s},
                    {"cpu_s", ours.cpu_s},
                    {"wall_s", ours.wall_s},
                    {"raw_caf_cpu_s", raw.cpu_s},
                    {"raw_caf_wall_s", raw.wall_s}});
    }
  }
}

void bench_client_server(const bench_config& cfg) {
  constexpr std::size_t clients = 8;
  constexpr std::size_t window = 250;
  constexpr uint64_t per_client = 10'000;
  constexpr double total = clients * per_client;
  for (auto kind : {payload_kind::bytes3, payload_kind::protobuf}) {
    auto ours = median_run(
        cfg.reps, [&] { return run_mensa_of(kind, 1, clients, per_client, window); });
    auto raw = median_run(
        cfg.reps, [&] { return run_raw_of(kind, 1, clients, per_client, window); });
    print_result("client_server",
                 {number("clients", clients), number("window", window),
                  number("requests_per_client", per_client),
                  word("payload", to_string(kind)), number("reps", cfg.reps)},
                 {{"rpcs_per_s", total / ours.wall_s},
                  {"raw_caf_rpcs_per_s", total / raw.wall_s},
                  {"ratio_vs_raw_caf", raw.wall_s / ours.wall_s},
                  {"cpu_s", ours.cpu_s},
                  {"wall_s", ours.wall_s},
                  {"raw_caf_cpu_s", raw.cpu_s},
                  {"raw_caf_wall_s", raw.wall_s}});
  }
}

// A second OS process serving `echo` for the remote cases.
struct remote_server {
  child_process process;
  address echo;
};

remote_server start_remote_server(const tls_files* tls) {
  std::vector<std::string> argv{"/proc/self/exe", "--serve"};
  if (tls != nullptr) {
    argv.push_back("--tls_certificate=" + tls->certificate);
    argv.push_back("--tls_key=" + tls->key);
    argv.push_back("--tls_ca=" + tls->ca);
  }
  auto child = child_process::start(argv);
  if (!child) {
    std::fprintf(stderr, "bench: %s\n", child.error().message.c_str());
    std::exit(1);
  }
  auto ready = child->wait_for_line("ready ", std::chrono::seconds(30));
  if (!ready) {
    std::fprintf(stderr, "bench: server: %s\n", ready.error().message.c_str());
    std::exit(1);
  }
  return {std::move(*child), *address::parse(*ready)};
}

struct tls_setup {
  tls_files server;
  tls_files client;
};

tls_setup make_tls_files() {
  auto dir = runtime::testing::make_temporary_directory("bench-tls");
  auto ca = dir ? runtime::testing::test_certificate_authority::create(*dir, "bench")
                : runtime::expected<runtime::testing::test_certificate_authority>(
                      dir.error());
  if (!ca) {
    std::fprintf(stderr, "bench: %s\n", ca.error().message.c_str());
    std::exit(1);
  }
  return {*ca->issue("server"), *ca->issue("client")};
}

void bench_client_server_remote(const bench_config& cfg, const tls_setup& tls) {
  constexpr std::size_t clients = 8;
  constexpr std::size_t window = 250;
  constexpr uint64_t per_client = 10'000;
  constexpr double total = clients * per_client;
  for (bool use_tls : {false, true}) {
    auto server = start_remote_server(use_tls ? &tls.server : nullptr);
    auto n = start_node(use_tls ? &tls.client : nullptr);
    for (auto kind : {payload_kind::bytes3, payload_kind::protobuf}) {
      auto run = median_run(cfg.reps, [&] {
        if (kind == payload_kind::protobuf)
          return run_clients<BenchStatus>(*n, server.echo, clients, per_client, window,
                                          kind, server.process.pid());
        return run_clients<internal::Ping>(*n, server.echo, clients, per_client, window,
                                           kind, server.process.pid());
      });
      print_result(
          "client_server_remote",
          {number("clients", clients), number("window", window),
           number("requests_per_client", per_client), word("payload", to_string(kind)),
           word("tls", use_tls ? "yes" : "no"), number("reps", cfg.reps)},
          {{"rpcs_per_s", total / run.wall_s},
           {"cpu_s", run.cpu_s},
           {"wall_s", run.wall_s}});
    }
  }
}

void print_rtt(const char* bench, bool tls, uint64_t n, const run_result& run,
               std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    return samples.empty()
               ? 0.0
               : samples[static_cast<std::size_t>(q * (samples.size() - 1))];
  };
  print_result(
      bench,
      {number("round_trips", static_cast<double>(n)), word("tls", tls ? "yes" : "no")},
      {{"rtt_us", run.wall_s * 1e6 / static_cast<double>(n)},
       {"rtt_p50_us", at(0.5)},
       {"rtt_p99_us", at(0.99)},
       {"cpu_s", run.cpu_s},
       {"wall_s", run.wall_s}});
}

void bench_rtt_local() {
  constexpr uint64_t n = 200'000;
  auto node = start_node();
  auto server = spawn_or_exit<echo_server<internal::Ping>>(*node, "server");
  std::vector<double> samples;
  samples.reserve(n);
  // Warm up, then measure.
  run_clients<internal::Ping>(*node, server, 1, 1000, 1, payload_kind::none);
  auto run = run_clients<internal::Ping>(*node, server, 1, n, 1, payload_kind::none, -1,
                                         &samples);
  print_rtt("rtt_local", false, n, run, std::move(samples));
}

void bench_rtt_remote(const tls_setup& tls) {
  constexpr uint64_t n = 20'000;
  for (bool use_tls : {false, true}) {
    auto server = start_remote_server(use_tls ? &tls.server : nullptr);
    auto node = start_node(use_tls ? &tls.client : nullptr);
    std::vector<double> samples;
    samples.reserve(n);
    run_clients<internal::Ping>(*node, server.echo, 1, 1000, 1, payload_kind::none);
    auto run =
        run_clients<internal::Ping>(*node, server.echo, 1, n, 1, payload_kind::none,
                                    server.process.pid(), &samples);
    print_rtt("rtt_remote", use_tls, n, run, std::move(samples));
  }
}

int serve(std::unique_ptr<bench_config> cfg) {
  auto started = runtime::node::start(std::move(cfg));
  if (!started) {
    std::fprintf(stderr, "bench server: %s\n", started.error().message.c_str());
    return 1;
  }
  auto echo =
      spawn_or_exit<echo_server2<internal::Ping, BenchStatus>>(**started, "echo");
  std::printf("ready %s\n", echo.str().c_str());
  std::fflush(stdout);
  // Runs until the benchmark closes our stdin (or kills us).
  for (int c = std::getchar(); c != EOF; c = std::getchar()) {
  }
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  auto cfg = std::make_unique<bench_config>();
  if (auto code = cfg->parse_command_line("bench", argc, argv); code >= 0)
    return code;
  if (cfg->serve)
    return serve(std::move(cfg));
  auto cases = cfg->cases;
  tls_setup tls;
  if (selected(cases, "client_server_remote") || selected(cases, "rtt_remote"))
    tls = make_tls_files();
  if (selected(cases, "pairs"))
    bench_pairs(*cfg);
  if (selected(cases, "client_server"))
    bench_client_server(*cfg);
  if (selected(cases, "client_server_remote"))
    bench_client_server_remote(*cfg, tls);
  if (selected(cases, "rtt_local"))
    bench_rtt_local();
  if (selected(cases, "rtt_remote"))
    bench_rtt_remote(tls);
  return 0;
}

}  // namespace mensa::bench

int main(int argc, char** argv) {
  return mensa::bench::run(argc, argv);
}
