#pragma once

// The benchmark workloads written on mensa's runtime: an echo server and a
// client that keeps a window of requests in flight.

#include <chrono>
#include <cstdint>
#include <vector>

#include "runtime/process.hpp"
#include "tools/bench/bench_report.hpp"

namespace mensa::bench {

/// Answers every `M` with the very same message (shared, never copied).
template <class M>
class echo_server : public runtime::process {
 public:
  using process::process;

 protected:
  void on_start() override {
    install<M>([this](const address& from, const M&) { forward(from); });
  }
};

/// Answers both payload types the benchmark uses (for the remote server).
template <class M1, class M2>
class echo_server2 : public runtime::process {
 public:
  using process::process;

 protected:
  void on_start() override {
    install<M1>([this](const address& from, const M1&) { forward(from); });
    install<M2>([this](const address& from, const M2&) { forward(from); });
  }
};

/// Keeps `window` requests to `server` in flight, sending the next on each
/// answer, until `quota` answers have arrived; then counts `done` down.
/// With `round_trips` set, records each round trip (for window 1).
template <class M>
class windowed_client : public runtime::process {
 public:
  windowed_client(caf::actor_config& cfg, runtime::node& owner, address self,
                  address server, uint64_t quota, std::size_t window,
                  runtime::message_ptr request, countdown* done,
                  std::vector<double>* round_trips = nullptr)
      : process(cfg, owner, std::move(self)),
        server_(std::move(server)),
        quota_(quota),
        window_(window),
        request_(std::move(request)),
        done_(done),
        round_trips_(round_trips) {}

 protected:
  void on_start() override {
    install<M>([this](const address&, const M&) { on_answer(); });
    for (; sent_ < quota_ && sent_ < window_; ++sent_)
      send_request(request_);
  }

 private:
  using clock = std::chrono::steady_clock;

  void send_request(const runtime::message_ptr& msg) {
    if (round_trips_ != nullptr)
      sent_at_ = clock::now();
    send(server_, msg);
  }

  void forward_request() {
    if (round_trips_ != nullptr)
      sent_at_ = clock::now();
    forward(server_);
  }

  void on_answer() {
    if (round_trips_ != nullptr)
      round_trips_->push_back(
          std::chrono::duration<double, std::micro>(clock::now() - sent_at_).count());
    ++received_;
    if (sent_ < quota_) {
      ++sent_;
      forward_request();
    } else if (received_ == quota_) {
      done_->count_down();
    }
  }

  address server_;
  uint64_t quota_;
  std::size_t window_;
  runtime::message_ptr request_;
  countdown* done_;
  std::vector<double>* round_trips_;
  uint64_t sent_ = 0;
  uint64_t received_ = 0;
  clock::time_point sent_at_;
};

}  // namespace mensa::bench
