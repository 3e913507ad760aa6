#pragma once

// What both hello frameworks share: which tasks fit an offer.

#include <string>
#include <vector>

#include "actors/common/resources.hpp"
#include "mensa/v1/mensa.pb.h"

namespace hello {

/// What each task needs.
inline const char* task_resources = "cpus:0.1;mem:32";

/// Returns as many tasks as `offer` holds, up to `wanted`, numbering them
/// from `next` on; each prints a greeting into its sandbox's stdout.
inline std::vector<mensa::v1::TaskInfo> tasks_for(const mensa::v1::Offer& offer,
                                                  int& next, int wanted) {
  auto needs = *mensa::common::resources::parse(task_resources);
  auto left = mensa::common::resources(offer.resources()).unallocated();
  std::vector<mensa::v1::TaskInfo> tasks;
  while (next < wanted && left.contains(needs)) {
    auto id = "hello-" + std::to_string(++next);
    mensa::v1::TaskInfo task;
    task.set_name(id);
    task.mutable_task_id()->set_value(id);
    *task.mutable_agent_id() = offer.agent_id();
    needs.copy_to(task.mutable_resources());
    task.mutable_command()->set_value("echo hello from $MENSA_TASK_ID");
    left -= needs;
    tasks.push_back(std::move(task));
  }
  return tasks;
}

}  // namespace hello
