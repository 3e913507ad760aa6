#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "actors/scheduler/scheduler_process.hpp"

namespace mensa::test {

/// A scheduler for whole-cluster tests: it records every event and makes
/// the calls public, so a test can dispatch calls into it. Runs on the
/// harness's thread only.
class test_scheduler : public scheduler::scheduler_process {
 public:
  /// What the scheduler saw.
  struct journal {
    int subscriptions = 0;
    std::vector<v1::Offer> offers;
    std::vector<std::string> rescinded;
    std::vector<v1::TaskStatus> updates;
    std::vector<std::string> errors;
    std::vector<v1::scheduler::Event::Failure> failures;
    int disconnections = 0;

    /// Returns the states `task` went through, in order.
    std::vector<v1::TaskState> states_of(const std::string& task) const {
      std::vector<v1::TaskState> result;
      for (auto& status : updates)
        if (status.task_id().value() == task)
          result.push_back(status.state());
      return result;
    }

    /// Returns the last update of `task` (a default status if none).
    v1::TaskStatus last_update_of(const std::string& task) const {
      for (auto i = updates.rbegin(); i != updates.rend(); ++i)
        if (i->task_id().value() == task)
          return *i;
      return {};
    }

    /// Returns the offers not yet used, declined or rescinded.
    std::vector<v1::Offer> outstanding;
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
  using scheduler_process::kill;
  using scheduler_process::launch_tasks;
  using scheduler_process::reconcile;
  using scheduler_process::revive;
  using scheduler_process::suppress;
  using scheduler_process::teardown;

  /// Takes the oldest outstanding offer (a default one if there is none).
  v1::Offer take_offer() {
    if (log_->outstanding.empty())
      return {};
    auto offer = log_->outstanding.front();
    log_->outstanding.erase(log_->outstanding.begin());
    return offer;
  }

  void stop() { quit(); }

 protected:
  void subscribed(const v1::scheduler::Event::Subscribed&) override {
    ++log_->subscriptions;
  }
  void offers(const std::vector<v1::Offer>& offers) override {
    log_->offers.insert(log_->offers.end(), offers.begin(), offers.end());
    log_->outstanding.insert(log_->outstanding.end(), offers.begin(), offers.end());
  }
  void rescind(const v1::OfferID& offer) override {
    log_->rescinded.push_back(offer.value());
    auto& out = log_->outstanding;
    out.erase(std::remove_if(
                  out.begin(), out.end(),
                  [&](const v1::Offer& o) { return o.id().value() == offer.value(); }),
              out.end());
  }
  void update(const v1::TaskStatus& status) override {
    log_->updates.push_back(status);
  }
  void error(const std::string& message) override { log_->errors.push_back(message); }
  void failure(const v1::scheduler::Event::Failure& failure) override {
    log_->failures.push_back(failure);
  }
  void disconnected() override { ++log_->disconnections; }

 private:
  journal* log_;
};

}  // namespace mensa::test
