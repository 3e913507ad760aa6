// The index of an agent's tasks by framework.

#include "actors/master/agent_tasks.hpp"

#include <doctest/doctest.h>

using mensa::master::agent_tasks;

TEST_CASE("an agent's tasks: each once, listed sorted, gone once erased") {
  agent_tasks tasks;
  tasks.insert("f2", "b");
  tasks.insert("f1", "z");
  tasks.insert("f1", "a");
  tasks.insert("f1", "a");
  CHECK(tasks.size() == 3);
  using key = agent_tasks::key;
  CHECK(tasks.list() == std::vector<key>{{"f1", "a"}, {"f1", "z"}, {"f2", "b"}});
  tasks.erase("f2", "b");
  tasks.erase("f2", "b");
  tasks.erase("f3", "a");
  tasks.erase("f1", "missing");
  CHECK(tasks.size() == 2);
  CHECK(tasks.list() == std::vector<key>{{"f1", "a"}, {"f1", "z"}});
  // Erasing while walking a list is safe: the list is a copy.
  for (auto& [framework, task] : tasks.list())
    tasks.erase(framework, task);
  CHECK(tasks.size() == 0);
  CHECK(tasks.list().empty());
}
