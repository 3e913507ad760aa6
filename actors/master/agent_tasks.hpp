#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace mensa::master {

/// The tasks on one agent, as (framework ID, task ID) pairs, grouped by
/// framework so that each framework's ID is kept once per agent rather
/// than once per task.
class agent_tasks {
 public:
  /// A task: its framework's ID and its own.
  using key = std::pair<std::string, std::string>;

  /// Adds a task.
  void insert(const std::string& framework_id, const std::string& task_id);

  /// Removes a task, if there.
  void erase(const std::string& framework_id, const std::string& task_id);

  /// Returns every task, sorted: a copy, so the caller may change these.
  std::vector<key> list() const;

  /// Returns how many tasks there are.
  std::size_t size() const noexcept { return size_; }

 private:
  std::map<std::string, std::set<std::string>> by_framework_;
  std::size_t size_ = 0;
};

}  // namespace mensa::master
