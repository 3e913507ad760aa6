#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "actors/scheduler/scheduler_process.hpp"
#include "runtime/testing/watched_state.hpp"

namespace mensa::test {

/// A scheduler for whole-cluster tests: it records every event and makes
/// the calls public, so a test can dispatch calls into it. Runs on the
/// harness's thread only.
class test_scheduler : public scheduler::scheduler_process {
 public:
  /// What the scheduler saw. Safe to read from any thread: tests on real
  /// nodes read it while the scheduler runs on CAF's threads.
  class journal : public runtime::testing::watched_state {
   public:
    int subscriptions() const {
      return read([&] { return subscriptions_; });
    }
    int disconnections() const {
      return read([&] { return disconnections_; });
    }
    std::vector<v1::Offer> offers() const {
      return read([&] { return offers_; });
    }
    std::vector<v1::Offer> outstanding() const {
      return read([&] { return outstanding_; });
    }
    std::vector<std::string> rescinded() const {
      return read([&] { return rescinded_; });
    }
    std::vector<v1::TaskStatus> updates() const {
      return read([&] { return updates_; });
    }
    /// Returns the updates after the first `from`.
    std::vector<v1::TaskStatus> updates_since(std::size_t from) const {
      return read([&] {
        return from >= updates_.size()
                   ? std::vector<v1::TaskStatus>{}
                   : std::vector<v1::TaskStatus>(
                         updates_.begin() + static_cast<std::ptrdiff_t>(from),
                         updates_.end());
      });
    }
    std::vector<std::string> errors() const {
      return read([&] { return errors_; });
    }
    std::vector<v1::scheduler::Event::Failure> failures() const {
      return read([&] { return failures_; });
    }

    /// Returns the states `task` went through, in order.
    std::vector<v1::TaskState> states_of(const std::string& task) const {
      return read([&] {
        std::vector<v1::TaskState> result;
        for (auto& status : updates_)
          if (status.task_id().value() == task)
            result.push_back(status.state());
        return result;
      });
    }

    /// Returns the last update of `task` (a default status if none).
    v1::TaskStatus last_update_of(const std::string& task) const {
      return read([&] {
        for (auto i = updates_.rbegin(); i != updates_.rend(); ++i)
          if (i->task_id().value() == task)
            return *i;
        return v1::TaskStatus{};
      });
    }

    /// Forgets the updates seen so far.
    void clear_updates() {
      change([&] { updates_.clear(); });
    }

   private:
    friend class test_scheduler;

    int subscriptions_ = 0;
    int disconnections_ = 0;
    std::vector<v1::Offer> offers_;
    std::vector<v1::Offer> outstanding_;
    std::vector<std::string> rescinded_;
    std::vector<v1::TaskStatus> updates_;
    std::vector<std::string> errors_;
    std::vector<v1::scheduler::Event::Failure> failures_;
  };

  test_scheduler(caf::actor_config& cfg, runtime::node& owner, address self,
                 address master, v1::FrameworkInfo framework, journal* log,
                 scheduler::scheduler_options options = {})
      : scheduler_process(cfg, owner, std::move(self), std::move(master),
                          std::move(framework), options),
        log_(log) {}

  using scheduler_process::accept;
  using scheduler_process::acknowledge;
  using scheduler_process::decline;
  using scheduler_process::framework_info;
  using scheduler_process::kill;
  using scheduler_process::launch_group;
  using scheduler_process::launch_tasks;
  using scheduler_process::reconcile;
  using scheduler_process::revive;
  using scheduler_process::suppress;
  using scheduler_process::teardown;
  using scheduler_process::update_framework;

  /// Takes the oldest outstanding offer (a default one if there is none).
  v1::Offer take_offer() {
    v1::Offer offer;
    log_->change([&] {
      if (log_->outstanding_.empty())
        return;
      offer = log_->outstanding_.front();
      log_->outstanding_.erase(log_->outstanding_.begin());
    });
    return offer;
  }

  void stop() { quit(); }

 protected:
  void subscribed(const v1::scheduler::Event::Subscribed&) override {
    log_->change([&] { ++log_->subscriptions_; });
  }
  void offers(const std::vector<v1::Offer>& offers) override {
    log_->change([&] {
      log_->offers_.insert(log_->offers_.end(), offers.begin(), offers.end());
      log_->outstanding_.insert(log_->outstanding_.end(), offers.begin(), offers.end());
    });
  }
  void rescind(const v1::OfferID& offer) override {
    log_->change([&] {
      log_->rescinded_.push_back(offer.value());
      auto& out = log_->outstanding_;
      out.erase(std::remove_if(out.begin(), out.end(),
                               [&](const v1::Offer& o) {
                                 return o.id().value() == offer.value();
                               }),
                out.end());
    });
  }
  void update(const v1::TaskStatus& status) override {
    log_->change([&] { log_->updates_.push_back(status); });
  }
  void error(const std::string& message) override {
    log_->change([&] { log_->errors_.push_back(message); });
  }
  void failure(const v1::scheduler::Event::Failure& failure) override {
    log_->change([&] { log_->failures_.push_back(failure); });
  }
  void disconnected() override {
    log_->change([&] { ++log_->disconnections_; });
  }

 private:
  journal* log_;
};

}  // namespace mensa::test
