#include "actors/master/agent_tasks.hpp"

namespace mensa::master {

void agent_tasks::insert(const std::string& framework_id, const std::string& task_id) {
  if (by_framework_[framework_id].insert(task_id).second)
    ++size_;
}

void agent_tasks::erase(const std::string& framework_id, const std::string& task_id) {
  auto framework = by_framework_.find(framework_id);
  if (framework == by_framework_.end() || framework->second.erase(task_id) == 0)
    return;
  --size_;
  if (framework->second.empty())
    by_framework_.erase(framework);
}

std::vector<agent_tasks::key> agent_tasks::list() const {
  std::vector<key> result;
  result.reserve(size_);
  for (auto& [framework_id, task_ids] : by_framework_)
    for (auto& task_id : task_ids)
      result.emplace_back(framework_id, task_id);
  return result;
}

}  // namespace mensa::master
