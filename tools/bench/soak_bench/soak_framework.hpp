#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/scheduler/scheduler_process.hpp"

namespace mensa::bench {

/// What the soak's framework did and heard, shared between its scheduler
/// (on CAF's threads) and the soak's main thread.
class soak_journal {
 public:
  /// One task: what it ran and every update its framework heard of it.
  struct task {
    bool long_running = false;
    std::vector<v1::TaskStatus> updates;
  };

  /// Notes a task launched.
  void launched(const std::string& id, bool long_running);

  /// Notes an update.
  void heard(const v1::TaskStatus& status);

  /// Notes the offers now held, by offer ID, and their agent and cpus.
  void hold(const v1::Offer& offer);
  void release(const std::string& offer_id);

  /// Returns every task, by ID.
  std::map<std::string, task> tasks() const;

  /// Returns how many launched tasks have not been heard to end.
  std::size_t unfinished() const;

  /// Returns the cpus of the offers held, and from how many agents.
  std::pair<double, std::size_t> offered() const;

  /// Whether to launch tasks on offers (while the faults go on); when not,
  /// offers are held.
  void set_launching(bool on);
  bool launching() const;

 private:
  struct held_offer {
    std::string agent;
    double cpus = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::string, task> tasks_;
  std::map<std::string, held_offer> offers_;
  bool launching_ = true;
};

/// The soak's framework: checkpointing, with a long failover timeout; while
/// launching it keeps about `in_flight` tasks running, short ones ("sleep"
/// of under a second) and long ones (20 s), a quarter of a cpu each, and
/// declines what it does not use; otherwise it holds every offer.
class soak_framework : public scheduler::scheduler_process {
 public:
  soak_framework(caf::actor_config& cfg, runtime::node& owner, address self,
                 address master, soak_journal* journal, uint64_t seed,
                 std::size_t in_flight);

  /// Asks the master for the latest state of every task (the soak's main
  /// thread dispatches it).
  using scheduler_process::reconcile;

 protected:
  void offers(const std::vector<v1::Offer>& offers) override;
  void rescind(const v1::OfferID& offer) override;
  void update(const v1::TaskStatus& status) override;

 private:
  soak_journal* journal_;
  std::mt19937_64 random_;
  std::size_t in_flight_;
  std::set<std::string> live_;
  uint64_t next_task_ = 0;
};

}  // namespace mensa::bench
