// tools/bench/http: the master's HTTP side. `state`: /master/state and
// GET_STATE (JSON and protobuf) latency with emulated agents and tasks,
// one client and many, and the control plane's launch rate while clients
// poll the state against the rate without them (with /health's latency
// meanwhile). `health`: wrk against /health. `metrics`: a scrape of a node
// with many series. Prints one JSON object per case.

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/testing/child_process.hpp"
#include "runtime/testing/http_client.hpp"
#include "tools/bench/bench_report.hpp"
#include "tools/bench/cluster_bench/emulated_cluster.hpp"

namespace mensa::bench {

namespace {

using namespace std::chrono_literals;
using runtime::testing::http_client;

class http_bench_config : public runtime::node_config {
 public:
  http_bench_config() {
    logging_level = "error";
    usage =
        "Usage: tools/bench/http [flags]\n\n"
        "Measures the master's HTTP side. state: the latency of /master/state\n"
        "and of GET_STATE in JSON and protobuf over real HTTP, with emulated\n"
        "agents in this process and as many tasks, half finished, half\n"
        "running, for one client and for many at once; then the control\n"
        "plane's launches per second while that many clients poll\n"
        "/master/state, against the rate without them, and /health's latency\n"
        "meanwhile. health: wrk's requests per second on /health at 64\n"
        "connections. metrics: a /metrics scrape of a node with many series.\n"
        "Prints one JSON object per case.";
    opt_group{custom_options_, "global"}
        .add(cases, "cases", "comma-separated subset of state, health, metrics (all)")
        .add(sizes, "sizes",
             "comma-separated AGENTS:TASKS clusters of the state case "
             "(100:20000,20000:400000)")
        .add(clients, "clients", "concurrent clients of the state case (20)")
        .add(requests, "requests", "state requests per client and view (10)")
        .add(launches, "launches", "tasks launched to measure the launch rate (20000)")
        .add(frameworks, "frameworks", "frameworks launching tasks (10)")
        .add(series, "series", "metrics the metrics case's node has (10000)")
        .add(wrk_seconds, "wrk_seconds", "how long wrk runs (5)");
  }

  std::string cases = "state,health,metrics";
  std::string sizes = "100:20000,20000:400000";
  std::size_t clients = 20;
  std::size_t requests = 10;
  std::size_t launches = 20'000;
  std::size_t frameworks = 10;
  std::size_t series = 10'000;
  std::size_t wrk_seconds = 5;
};

// What the emulated agents offer: room for every task of the run at once.
constexpr const char* agent_resources = "cpus:100000;mem:100000000";
constexpr const char* task_resources = "cpus:0.01;mem:1";

/// One way to ask for the state.
struct state_view {
  const char* name;
  const char* method;
  const char* target;
  const char* body;
  const char* accept;
};

constexpr state_view views[] = {
    {"v0_state_json", "GET", "/master/state", "", "application/json"},
    {"get_state_json", "POST", "/api/v1", R"({"type":"GET_STATE"})",
     "application/json"},
    {"get_state_protobuf", "POST", "/api/v1", R"({"type":"GET_STATE"})",
     "application/x-protobuf"},
};

/// Reads `--sizes`: AGENTS:TASKS pairs, comma-separated.
std::vector<std::pair<std::size_t, std::size_t>> parse_sizes(const std::string& text) {
  std::vector<std::pair<std::size_t, std::size_t>> sizes;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = std::min(text.find(',', start), text.size());
    auto item = text.substr(start, end - start);
    auto colon = item.find(':');
    if (colon == std::string::npos)
      fail("--sizes: expected AGENTS:TASKS, got '" + item + "'");
    auto agents = parse_numbers("--sizes", item.substr(0, colon), 1, 1e6);
    auto tasks = parse_numbers("--sizes", item.substr(colon + 1), 2, 1e8);
    sizes.emplace_back(static_cast<std::size_t>(agents[0]),
                       static_cast<std::size_t>(tasks[0]));
    start = end + 1;
  }
  return sizes;
}

std::unique_ptr<http_client> connect(uint16_t port) {
  auto client = http_client::connect(port);
  if (!client)
    fail("cannot connect: " + client.error().message);
  return std::move(*client);
}

/// Asks for `view` once on `client`; returns the answer's size.
std::size_t ask(http_client& client, const state_view& view) {
  auto reply = client.request(
      view.method, view.target, view.body,
      {{"Content-Type", "application/json"}, {"Accept", view.accept}}, 10min);
  if (!reply || reply->status != 200)
    fail(std::string(view.name) + ": " +
         (reply ? "status " + std::to_string(reply->status) : reply.error().message));
  return reply->body.size();
}

/// What `clients` clients asking `requests` times each at once saw.
struct latencies {
  std::vector<double> ms;
  std::size_t bytes = 0;
};

latencies poll(uint16_t port, const state_view& view, std::size_t clients,
               std::size_t requests) {
  latencies out;
  std::mutex mutex;
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < clients; ++c)
    threads.emplace_back([&] {
      auto client = connect(port);
      for (std::size_t r = 0; r < requests; ++r) {
        stopwatch watch;
        auto bytes = ask(*client, view);
        std::lock_guard<std::mutex> guard(mutex);
        out.ms.push_back(watch.wall_seconds() * 1e3);
        out.bytes = bytes;
      }
    });
  for (auto& t : threads)
    t.join();
  return out;
}

/// Clients that ask for /master/state back to back until stopped, and one
/// that times /health meanwhile.
class state_pollers {
 public:
  state_pollers(uint16_t port, std::size_t clients) {
    for (std::size_t c = 0; c < clients; ++c)
      threads_.emplace_back([this, port] {
        auto client = connect(port);
        while (!stop_) {
          ask(*client, views[0]);
          ++polls_;
        }
      });
    threads_.emplace_back([this, port] {
      auto client = connect(port);
      while (!stop_) {
        stopwatch watch;
        auto reply = client->request("GET", "/health", {}, {}, 1min);
        if (!reply || reply->status != 200)
          fail("/health did not answer under state load");
        std::lock_guard<std::mutex> guard(mutex_);
        health_ms_.push_back(watch.wall_seconds() * 1e3);
      }
    });
  }

  /// Stops the clients; returns /health's latencies.
  std::vector<double> stop() {
    stop_ = true;
    for (auto& t : threads_)
      t.join();
    return health_ms_;
  }

  std::size_t polls() const { return polls_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> polls_{0};
  std::mutex mutex_;
  std::vector<double> health_ms_;
  std::vector<std::thread> threads_;
};

void state_case(const http_bench_config& cfg, const node_settings& settings,
                std::size_t agent_count, std::size_t tasks) {
  auto n = start_node(settings);
  master::master_options options;
  options.max_completed_tasks_per_framework = tasks;
  auto master = spawn_master(*n, master::registry{}, options);
  emulated_agents agents(*n, master, agent_count, agent_resources);
  if (!agents.await_registration(30min))
    fail("the agents did not register");
  run_frameworks(*n, master, "finished", cfg.frameworks,
                 {tasks / 2, "true", task_resources, 0}, v1::TASK_FINISHED, 60min);
  run_frameworks(*n, master, "running", cfg.frameworks,
                 {tasks - tasks / 2, "sleep 3600", task_resources, 0}, v1::TASK_RUNNING,
                 60min);
  auto size = [&](std::vector<param> more) {
    std::vector<param> params{number("agents", static_cast<double>(agent_count)),
                              number("tasks", static_cast<double>(tasks))};
    params.insert(params.end(), more.begin(), more.end());
    return params;
  };
  for (auto& view : views)
    for (auto clients : {std::size_t{1}, cfg.clients}) {
      auto seen = poll(n->port(), view, clients, cfg.requests);
      print_result("state",
                   size({word("view", view.name),
                         number("clients", static_cast<double>(clients))}),
                   {{"p50_ms", percentile(seen.ms, 0.5)},
                    {"p99_ms", percentile(seen.ms, 0.99)},
                    {"mb", static_cast<double>(seen.bytes) / 1e6}});
    }
  // The launch rate without pollers, then with them.
  auto quiet = run_frameworks(*n, master, "quiet", cfg.frameworks,
                              {cfg.launches, "true", task_resources, 0},
                              v1::TASK_FINISHED, 60min);
  state_pollers pollers(n->port(), cfg.clients);
  auto polled = run_frameworks(*n, master, "polled", cfg.frameworks,
                               {cfg.launches, "true", task_resources, 0},
                               v1::TASK_FINISHED, 60min);
  auto health = pollers.stop();
  auto rate = [&](const workload_run& run) {
    return static_cast<double>(cfg.launches) / run.seconds;
  };
  print_result("state_load",
               size({number("pollers", static_cast<double>(cfg.clients)),
                     number("launches", static_cast<double>(cfg.launches))}),
               {{"launches_per_s_quiet", rate(quiet)},
                {"launches_per_s_polled", rate(polled)},
                {"ratio_polled_vs_quiet", rate(polled) / rate(quiet)},
                {"state_polls", static_cast<double>(pollers.polls())},
                {"health_p50_ms", percentile(health, 0.5)},
                {"health_p99_ms", percentile(health, 0.99)}});
}

/// Reads a wrk latency such as "1.23ms" in milliseconds.
double wrk_ms(const std::string& text) {
  auto value = std::stod(text);
  if (text.find("us") != std::string::npos)
    return value / 1e3;
  if (text.find("ms") != std::string::npos)
    return value;
  return value * 1e3;
}

void health_case(const http_bench_config& cfg, const node_settings& settings) {
  auto n = start_node(settings);
  auto master = spawn_master(*n);
  emulated_agents agents(*n, master, 2, agent_resources);
  if (!agents.await_registration(1min))
    fail("the agents did not register");
  auto wrk = runtime::testing::child_process::start(
      {"wrk", "-t2", "-c64", "-d" + std::to_string(cfg.wrk_seconds) + "s", "--latency",
       "http://127.0.0.1:" + std::to_string(n->port()) + "/health"});
  if (!wrk)
    fail("cannot run wrk (apt-get install wrk): " + wrk.error().message);
  auto timeout = std::chrono::seconds(cfg.wrk_seconds + 60);
  auto p99 = wrk->wait_for_line("     99%", timeout);
  auto per_second = wrk->wait_for_line("Requests/sec:", timeout);
  if (!p99 || !per_second)
    fail("wrk said nothing readable");
  print_result("health", {number("connections", 64), number("threads", 2)},
               {{"requests_per_s", std::stod(*per_second)}, {"p99_ms", wrk_ms(*p99)}});
}

void metrics_case(const http_bench_config& cfg, const node_settings& settings) {
  auto n = start_node(settings);
  for (std::size_t k = 0; k < cfg.series; ++k)
    n->metrics()
        .gauge("bench/series_" + std::to_string(k), "a series of the benchmark")
        .set(static_cast<double>(k));
  auto client = connect(n->port());
  std::vector<double> ms;
  std::size_t bytes = 0;
  for (int r = 0; r < 50; ++r) {
    stopwatch watch;
    auto reply = client->request("GET", "/metrics");
    if (!reply || reply->status != 200)
      fail("/metrics did not answer");
    ms.push_back(watch.wall_seconds() * 1e3);
    bytes = reply->body.size();
  }
  print_result("metrics", {number("series", static_cast<double>(cfg.series))},
               {{"scrape_p50_ms", percentile(ms, 0.5)},
                {"scrape_p99_ms", percentile(ms, 0.99)},
                {"mb", static_cast<double>(bytes) / 1e6}});
}

}  // namespace

}  // namespace mensa::bench

int main(int argc, char** argv) {
  using namespace mensa::bench;
  http_bench_config cfg;
  if (auto code = cfg.parse_command_line("bench", argc, argv); code >= 0)
    return code;
  node_settings settings{cfg.worker_threads, cfg.logging_level};
  if (selected(cfg.cases, "state"))
    for (auto& size : parse_sizes(cfg.sizes))
      state_case(cfg, settings, size.first, size.second);
  if (selected(cfg.cases, "health"))
    health_case(cfg, settings);
  if (selected(cfg.cases, "metrics"))
    metrics_case(cfg, settings);
  return 0;
}
