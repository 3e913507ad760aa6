#include "tools/bench/cluster_bench/bench_framework.hpp"

#include <algorithm>

#include "actors/common/task_states.hpp"

namespace mensa::bench {

namespace {

v1::FrameworkInfo framework_named(const std::string& name) {
  v1::FrameworkInfo info;
  info.set_user("bench");
  info.set_name(name);
  return info;
}

// The default executor every task runs on; it takes no resources of its
// own, so that an agent's resources hold a whole number of tasks.
v1::ExecutorInfo default_executor() {
  v1::ExecutorInfo executor;
  executor.set_type(v1::ExecutorInfo::DEFAULT);
  executor.mutable_executor_id()->set_value("bench");
  return executor;
}

v1::Filters refuse_for(double seconds) {
  v1::Filters filters;
  filters.set_refuse_seconds(seconds);
  return filters;
}

}  // namespace

bench_framework::bench_framework(caf::actor_config& cfg, runtime::node& owner,
                                 address self, address master, std::string name,
                                 workload work, v1::TaskState target,
                                 std::shared_ptr<workload_progress> progress)
    : scheduler_process(cfg, owner, std::move(self), std::move(master),
                        framework_named(name)),
      work_(std::move(work)),
      task_resources_(*common::resources::parse(work_.task_resources)),
      executor_(default_executor()),
      target_(target),
      progress_(std::move(progress)) {}

void bench_framework::offers(const std::vector<v1::Offer>& offers) {
  progress_->offers += offers.size();
  std::vector<v1::OfferID> unwanted;
  for (auto& offer : offers) {
    auto& placed = placed_[offer.agent_id().value()];
    auto room = work_.per_agent == 0 ? work_.tasks : work_.per_agent - placed;
    auto wanted = std::min(work_.tasks - launched_, room);
    auto left = common::resources(offer.resources()).unallocated();
    auto allocated =
        task_resources_.allocated_to(offer.resources(0).allocation_info().role());
    // Each task is a group of its own on the framework's default executor
    // on that agent, as `mensa execute` runs them: one executor per agent,
    // not one per task.
    std::vector<v1::Offer::Operation> groups;
    while (groups.size() < wanted && left.contains(task_resources_)) {
      left -= task_resources_;
      v1::TaskInfo task;
      auto id = "t" + std::to_string(++launched_);
      task.set_name(id);
      task.mutable_task_id()->set_value(id);
      *task.mutable_agent_id() = offer.agent_id();
      allocated.copy_to(task.mutable_resources());
      task.mutable_command()->set_value(work_.command);
      groups.push_back(scheduler::make_launch_group(executor_, {std::move(task)}));
    }
    placed += groups.size();
    if (groups.empty())
      unwanted.push_back(offer.id());
    else
      accept({offer.id()}, groups, refuse_for(0));
  }
  if (!unwanted.empty())
    decline(unwanted, refuse_for(3600));
}

void bench_framework::update(const v1::TaskStatus& status) {
  if (status.state() == target_) {
    progress_->reached.count_down();
  } else if (common::is_terminal(status.state())) {
    if (progress_->failed++ == 0)
      progress_->first_failure = status.task_id().value() + ": " +
                                 v1::TaskState_Name(status.state()) + " " +
                                 status.message();
    progress_->reached.count_down();
  }
}

}  // namespace mensa::bench
