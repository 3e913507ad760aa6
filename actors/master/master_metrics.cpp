// The master's metrics under Mesos's names (`master/...`, as Mesos's
// docs/monitoring.md lists them): gauges computed from the master's tables
// when a snapshot asks (inside the master, as libprocess's gauges are),
// counters kept as tasks end.

#include <cctype>

#include "actors/common/task_states.hpp"
#include "actors/master/master_process.hpp"
#include "runtime/node.hpp"

namespace mensa::master {

using runtime::metrics_registry;

namespace {

// "running" for TASK_RUNNING, as Mesos names its task metrics.
std::string metric_name_of(v1::TaskState state) {
  std::string name = common::name_of(state).substr(5);
  for (auto& c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

}  // namespace

void master_process::collect_metrics_on_request() {
  local_node().metrics().add_collector(
      this,
      [self = weak_self()](std::function<void(metrics_registry::collection)> deliver) {
        self.dispatch<master_process>([deliver = std::move(deliver)](
                                          master_process& m) { deliver(m.metrics()); });
      });
}

metrics_registry::collection master_process::metrics() const {
  metrics_registry::collection out;
  auto gauge = [&out](std::string name, std::string help, double value) {
    out.push_back({std::move(name), std::move(help), value, false});
  };
  gauge("master/uptime_secs", "seconds since this master started",
        static_cast<double>(now_nanoseconds() - started_ns_) / 1e9);
  gauge("master/elected", "1 while this master leads", 1);

  std::size_t registered = 0, disconnected = 0, unreachable = 0, recovering = 0;
  for (auto& [_, agent] : agents_.all()) {
    registered += agent.state == agent_state::registered;
    disconnected += agent.state == agent_state::disconnected;
    unreachable += agent.state == agent_state::unreachable;
    recovering += agent.state == agent_state::recovering;
  }
  gauge("master/slaves_connected", "agents connected", registered);
  gauge("master/slaves_disconnected",
        "agents whose connection broke, not yet unreachable", disconnected);
  gauge("master/slaves_active", "agents that get their resources offered", registered);
  gauge("master/slaves_inactive", "agents known but not offered (disconnected)",
        disconnected);
  gauge("master/slaves_unreachable", "agents unreachable", unreachable);
  gauge("master/recovery_slave_removals_pending",
        "agents of the registry yet to reregister after a master restart", recovering);

  std::size_t active = 0, inactive = 0;
  std::map<v1::TaskState, std::size_t> live;
  for (auto& [_, framework] : frameworks_) {
    (framework.state == framework_state::active ? active : inactive) += 1;
    for (auto& [task_id, task] : framework.tasks)
      ++live[task.state];
  }
  gauge("master/frameworks_active", "frameworks subscribed and getting offers", active);
  gauge("master/frameworks_inactive", "frameworks without a scheduler", inactive);
  gauge("master/frameworks_connected", "frameworks whose scheduler is connected",
        active);
  gauge("master/frameworks_disconnected", "frameworks whose scheduler is gone",
        inactive);
  gauge("master/outstanding_offers", "offers made and not yet answered",
        static_cast<double>(offers_.size()));
  gauge("master/operator_event_stream_subscribers", "operator API event streams open",
        static_cast<double>(operator_streams_.size()));
  for (auto state : {v1::TASK_STAGING, v1::TASK_STARTING, v1::TASK_RUNNING,
                     v1::TASK_KILLING, v1::TASK_UNREACHABLE}) {
    auto name = metric_name_of(state);
    gauge("master/tasks_" + name, "tasks " + name, static_cast<double>(live[state]));
  }
  return out;
}

void master_process::count_ended(v1::TaskState state) {
  auto& counter = ended_counters_[state];
  if (counter == nullptr) {
    auto name = metric_name_of(state);
    counter = &local_node().metrics().counter("master/tasks_" + name,
                                              "tasks that ended " + name);
  }
  counter->increment();
}

}  // namespace mensa::master
