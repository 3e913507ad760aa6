// `mensa ping ADDRESS`: sends pings to a process and prints each round trip,
// like ping(8) for mensa processes.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <memory>
#include <string>

#include "mensa/internal/runtime.pb.h"
#include "runtime/node.hpp"
#include "runtime/process.hpp"
#include "tools/mensa/command.hpp"

namespace mensa::tools {

namespace {

// The ping flags on top of the node's.
class ping_config : public runtime::node_config {
 public:
  ping_config() {
    usage =
        "Usage: mensa ping [flags] NAME@HOST:PORT\n\n"
        "Sends pings to a mensa process (for example one started by 'mensa\n"
        "pong') and prints each round trip. Exits non-zero if any is lost.";
    opt_group{custom_options_, "global"}
        .add(count, "count", "pings to send (5)")
        .add(interval, "interval", "time between pings (1s)")
        .add(wait, "wait", "time to wait for the last answers (2s)")
        .add(payload_bytes, "payload_bytes", "bytes of payload per ping (0)");
  }

  std::size_t count = 5;
  caf::timespan interval = std::chrono::seconds(1);
  caf::timespan wait = std::chrono::seconds(2);
  std::size_t payload_bytes = 0;
};

// What one `mensa ping` run does.
struct ping_plan {
  runtime::address target;
  std::size_t count;
  caf::timespan interval;
  caf::timespan wait;
  std::string payload;
};

// Sends the pings, prints the answers, and reports the exit code.
class ping_process : public runtime::process {
 public:
  ping_process(caf::actor_config& cfg, runtime::node& owner, address self,
               ping_plan plan, std::shared_ptr<std::promise<int>> done)
      : process(cfg, owner, std::move(self)),
        plan_(std::move(plan)),
        done_(std::move(done)) {}

 protected:
  void on_start() override {
    install(&ping_process::on_pong);
    link(plan_.target);
    send_next();
  }

  void exited(const address& peer, const runtime::peer_exit& why) override {
    std::printf("%s %s: %s\n", peer.str().c_str(), to_string(why.kind),
                why.detail.c_str());
    finish();
  }

 private:
  using clock = std::chrono::steady_clock;

  void send_next() {
    internal::Ping ping;
    ping.set_sequence(++sent_);
    ping.set_payload(plan_.payload);
    outstanding_[sent_] = clock::now();
    send(plan_.target, std::move(ping));
    if (sent_ < plan_.count)
      delay(plan_.interval, [this] { send_next(); });
    else
      delay(plan_.wait, [this] { finish(); });
  }

  void on_pong(const address& from, const internal::Pong& pong) {
    auto i = outstanding_.find(pong.sequence());
    if (i == outstanding_.end())
      return;
    auto rtt =
        std::chrono::duration<double, std::milli>(clock::now() - i->second).count();
    outstanding_.erase(i);
    ++received_;
    min_ms_ = received_ == 1 ? rtt : std::min(min_ms_, rtt);
    max_ms_ = std::max(max_ms_, rtt);
    sum_ms_ += rtt;
    std::printf("%zu bytes from %s: seq=%llu time=%.3f ms\n", pong.payload().size(),
                from.str().c_str(), static_cast<unsigned long long>(pong.sequence()),
                rtt);
    std::fflush(stdout);
    if (received_ == plan_.count)
      finish();
  }

  void finish() {
    if (finished_)
      return;
    finished_ = true;
    std::printf("--- %s ---\n%zu sent, %zu received", plan_.target.str().c_str(), sent_,
                received_);
    if (received_ > 0)
      std::printf(", round trip min/avg/max = %.3f/%.3f/%.3f ms", min_ms_,
                  sum_ms_ / static_cast<double>(received_), max_ms_);
    std::printf("\n");
    std::fflush(stdout);
    done_->set_value(received_ == plan_.count ? 0 : 1);
    quit();
  }

  ping_plan plan_;
  std::shared_ptr<std::promise<int>> done_;
  std::map<uint64_t, clock::time_point> outstanding_;
  std::size_t sent_ = 0;
  std::size_t received_ = 0;
  double min_ms_ = 0;
  double max_ms_ = 0;
  double sum_ms_ = 0;
  bool finished_ = false;
};

}  // namespace

int run_ping(int argc, char** argv) {
  auto cfg = std::make_unique<ping_config>();
  cfg->takes_positional = true;
  if (auto code = cfg->parse_command_line("mensa ping", argc, argv); code >= 0)
    return code;
  if (cfg->positional.size() != 1) {
    std::fprintf(stderr,
                 "mensa ping: give one address, for example "
                 "pong@127.0.0.1:5050\n");
    return 2;
  }
  auto target = runtime::address::parse(cfg->positional.front());
  if (!target) {
    std::fprintf(stderr, "mensa ping: %s\n", target.error().message.c_str());
    return 2;
  }
  if (cfg->count == 0) {
    std::fprintf(stderr, "mensa ping: invalid --count: at least 1\n");
    return 2;
  }
  ping_plan plan{*target, cfg->count, cfg->interval, cfg->wait,
                 std::string(cfg->payload_bytes, 'x')};
  auto started = runtime::node::start(std::move(cfg));
  if (!started) {
    std::fprintf(stderr, "mensa ping: %s\n", started.error().message.c_str());
    return 1;
  }
  auto done = std::make_shared<std::promise<int>>();
  auto result = done->get_future();
  auto spawned = (*started)->spawn<ping_process>("ping", std::move(plan), done);
  if (!spawned) {
    std::fprintf(stderr, "mensa ping: %s\n", spawned.error().message.c_str());
    return 1;
  }
  return result.get();
}

}  // namespace mensa::tools
