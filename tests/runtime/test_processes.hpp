#pragma once

// Small processes the runtime tests drive: `echo` answers pings, `probe`
// sends what a test tells it to and records what it sees. Their logs are
// safe to read from the test thread while the processes run on CAF's.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "mensa/internal/runtime.pb.h"
#include "runtime/node.hpp"
#include "runtime/process.hpp"
#include "runtime/testing/watched_state.hpp"

namespace mensa::test {

using runtime::address;

/// What a test process saw, readable from any thread.
class process_log : public runtime::testing::watched_state {
 public:
  struct pong_seen {
    uint64_t sequence;
    address from;
    std::size_t payload_size;
  };
  struct exit_seen {
    address peer;
    runtime::exit_kind kind;
    std::string detail;
  };

  void add_pong(pong_seen pong) {
    change([&] { pongs_.push_back(std::move(pong)); });
  }
  void add_ping(const void* object) {
    change([&] {
      ++pings_;
      last_ping_ = object;
    });
  }
  void add_exit(exit_seen exit) {
    change([&] { exits_.push_back(std::move(exit)); });
  }
  void add_timer(int tag) {
    change([&] { timers_.push_back(tag); });
  }

  std::vector<pong_seen> pongs() const {
    return read([&] { return pongs_; });
  }
  std::vector<exit_seen> exits() const {
    return read([&] { return exits_; });
  }
  std::vector<int> timers() const {
    return read([&] { return timers_; });
  }
  std::size_t pings() const {
    return read([&] { return pings_; });
  }
  const void* last_ping() const {
    return read([&] { return last_ping_; });
  }

 private:
  std::vector<pong_seen> pongs_;
  std::vector<exit_seen> exits_;
  std::vector<int> timers_;
  std::size_t pings_ = 0;
  const void* last_ping_ = nullptr;
};

/// Answers every Ping with a Pong of the same sequence and payload.
class echo_process : public runtime::process {
 public:
  echo_process(caf::actor_config& cfg, runtime::node& owner, address self,
               std::shared_ptr<process_log> log = std::make_shared<process_log>())
      : process(cfg, owner, std::move(self)), log_(std::move(log)) {}

 protected:
  void on_start() override { install(&echo_process::on_ping); }

 private:
  void on_ping(const address& from, const internal::Ping& ping) {
    log_->add_ping(&ping);
    internal::Pong pong;
    pong.set_sequence(ping.sequence());
    pong.set_payload(ping.payload());
    send(from, std::move(pong));
  }

  std::shared_ptr<process_log> log_;
};

/// Forwards every Ping to `next` without copying it.
class relay_process : public runtime::process {
 public:
  relay_process(caf::actor_config& cfg, runtime::node& owner, address self,
                address next)
      : process(cfg, owner, std::move(self)), next_(std::move(next)) {}

 protected:
  void on_start() override {
    install<internal::Ping>(
        [this](const address&, const internal::Ping&) { forward(next_); });
  }

 private:
  address next_;
};

/// Does what the test dispatches to it and records pongs, exits, timers.
class probe_process : public runtime::process {
 public:
  probe_process(caf::actor_config& cfg, runtime::node& owner, address self,
                std::shared_ptr<process_log> log)
      : process(cfg, owner, std::move(self)), log_(std::move(log)) {}

  void ping(const address& to, uint64_t sequence, std::string payload = {}) {
    internal::Ping msg;
    msg.set_sequence(sequence);
    msg.set_payload(std::move(payload));
    send(to, std::move(msg));
  }

  void ping_shared(const address& to, runtime::message_ptr msg) {
    send(to, std::move(msg));
  }

  bool ping_windowed(const address& to, uint64_t sequence) {
    internal::Ping msg;
    msg.set_sequence(sequence);
    return send_windowed(to, std::move(msg));
  }

  /// Sends pings 1..n on the flow-controlled stream, waiting for room.
  void stream_pings(const address& to, uint64_t n) {
    while (next_streamed_ <= n && ping_windowed(to, next_streamed_))
      ++next_streamed_;
    if (next_streamed_ <= n)
      when_window_open(to, [this, to, n] { stream_pings(to, n); });
  }

  void raw(const address& to, std::string type, std::string payload) {
    send_serialized(to, std::move(type), std::move(payload));
  }

  void watch(const address& peer) { link(peer); }

  void after(caf::timespan d, int tag) {
    delay(d, [this, tag] { log_->add_timer(tag); });
  }

  runtime::timer_id after_cancellable(caf::timespan d, int tag) {
    return delay(d, [this, tag] { log_->add_timer(tag); });
  }

  bool cancel_timer(runtime::timer_id id) { return cancel(id); }

  /// Starts a timer the probe holds in slot `slot`, replacing what it held.
  void hold_timer(std::size_t slot, runtime::duration d, int tag) {
    if (held_.size() <= slot)
      held_.resize(slot + 1);
    held_[slot] = start_timer(d, [this, slot, tag] {
      held_[slot].forget();
      log_->add_timer(tag);
    });
  }

  /// The timer in slot `slot`.
  runtime::timer& held(std::size_t slot) { return held_.at(slot); }

  std::size_t in_flight(const address& to) const { return unacknowledged(to); }

  std::chrono::system_clock::time_point wall() const { return wall_now(); }

  void stop() { quit(); }

 protected:
  void on_start() override { install(&probe_process::on_pong); }

  void exited(const address& peer, const runtime::peer_exit& why) override {
    log_->add_exit({peer, why.kind, why.detail});
  }

 private:
  void on_pong(const address& from, const internal::Pong& pong) {
    log_->add_pong({pong.sequence(), from, pong.payload().size()});
  }

  std::shared_ptr<process_log> log_;
  uint64_t next_streamed_ = 1;
  std::vector<runtime::timer> held_;
};

}  // namespace mensa::test
