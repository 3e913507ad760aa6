#include "tools/bench/failover_bench/loss_watcher.hpp"

#include "actors/common/resources.hpp"

namespace mensa::bench {

namespace {

v1::FrameworkInfo watcher_info() {
  v1::FrameworkInfo info;
  info.set_user("bench");
  info.set_name("loss-watcher");
  return info;
}

}  // namespace

loss_watcher::loss_watcher(caf::actor_config& cfg, runtime::node& owner, address self,
                           address master, std::shared_ptr<loss_report> report)
    : scheduler_process(cfg, owner, std::move(self), std::move(master), watcher_info()),
      report_(std::move(report)) {}

void loss_watcher::offers(const std::vector<v1::Offer>& offers) {
  auto resources = *common::resources::parse("cpus:0.1;mem:32");
  for (auto& offer : offers) {
    if (!agents_.insert(offer.agent_id().value()).second) {
      decline({offer.id()});
      continue;
    }
    v1::TaskInfo task;
    task.set_name("sleeper");
    task.mutable_task_id()->set_value("sleeper-" + offer.agent_id().value());
    *task.mutable_agent_id() = offer.agent_id();
    resources.allocated_to(offer.resources(0).allocation_info().role())
        .copy_to(task.mutable_resources());
    task.mutable_command()->set_value("sleep 1000");
    launch_tasks(offer.id(), {task});
  }
}

void loss_watcher::update(const v1::TaskStatus& status) {
  auto state = status.state();
  if (state == v1::TASK_RUNNING) {
    report_->running.count_down();
    return;
  }
  if (lost_ || (state != v1::TASK_LOST && state != v1::TASK_UNREACHABLE &&
                state != v1::TASK_GONE))
    return;
  lost_ = true;
  report_->lost_at = std::chrono::steady_clock::now().time_since_epoch().count();
  report_->how = v1::TaskState_Name(state) + " (" +
                 v1::TaskStatus::Reason_Name(status.reason()) + ")";
  report_->lost.count_down();
}

}  // namespace mensa::bench
