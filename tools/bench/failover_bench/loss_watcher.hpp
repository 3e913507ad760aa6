#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "actors/scheduler/scheduler_process.hpp"
#include "tools/bench/bench_report.hpp"

namespace mensa::bench {

/// What a loss watcher reports, shared across threads.
struct loss_report {
  explicit loss_report(std::size_t agents) : running(agents) {}

  /// Counts down once per agent whose task is running.
  countdown running;
  /// Counts down when the first task is reported lost.
  countdown lost{1};
  /// When that was (steady clock, nanoseconds since its epoch).
  std::atomic<int64_t> lost_at{0};
  /// The state and reason it was reported with.
  std::string how;
};

/// A framework (not checkpointing) that runs one long real task on each
/// agent it is offered, and notes when the first of them is reported
/// TASK_LOST, TASK_UNREACHABLE or TASK_GONE.
class loss_watcher : public scheduler::scheduler_process {
 public:
  loss_watcher(caf::actor_config& cfg, runtime::node& owner, address self,
               address master, std::shared_ptr<loss_report> report);

 protected:
  void offers(const std::vector<v1::Offer>& offers) override;
  void update(const v1::TaskStatus& status) override;

 private:
  std::shared_ptr<loss_report> report_;
  std::set<std::string> agents_;
  bool lost_ = false;
};

}  // namespace mensa::bench
