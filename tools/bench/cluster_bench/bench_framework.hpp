#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/common/resources.hpp"
#include "actors/scheduler/scheduler_process.hpp"
#include "tools/bench/bench_report.hpp"

namespace mensa::bench {

/// What a benchmark framework does: launch `tasks` tasks running `command`,
/// each taking `task_resources`, at most `per_agent` on any one agent (0:
/// no limit), as fast as offers allow.
struct workload {
  std::size_t tasks = 0;
  std::string command = "true";
  std::string task_resources = "cpus:1;mem:1024";
  std::size_t per_agent = 0;
};

/// What benchmark frameworks report, shared across threads.
struct workload_progress {
  explicit workload_progress(std::size_t tasks) : reached(tasks) {}

  /// Counts down once per task that reached `target` (RUNNING or FINISHED)
  /// or ended otherwise.
  countdown reached;
  /// Offers the frameworks received.
  std::atomic<std::size_t> offers{0};
  /// Tasks that ended any other way: a run with any of these is invalid.
  std::atomic<std::size_t> failed{0};
  /// The first unexpected update, for the error message.
  std::string first_failure;
};

/// A framework that launches its workload into whatever it is offered: as
/// many tasks per offer as fit, the rest of an offer returned at once
/// (refuse_seconds 0), and offers it has no use for any more declined for
/// an hour. Updates are acknowledged implicitly; each task that reaches
/// `target` counts the shared countdown down.
class bench_framework : public scheduler::scheduler_process {
 public:
  bench_framework(caf::actor_config& cfg, runtime::node& owner, address self,
                  address master, std::string name, workload work, v1::TaskState target,
                  std::shared_ptr<workload_progress> progress);

 protected:
  void offers(const std::vector<v1::Offer>& offers) override;
  void update(const v1::TaskStatus& status) override;

 private:
  workload work_;
  common::resources task_resources_;
  v1::ExecutorInfo executor_;
  v1::TaskState target_;
  std::shared_ptr<workload_progress> progress_;
  std::size_t launched_ = 0;
  std::map<std::string, std::size_t> placed_;
};

}  // namespace mensa::bench
