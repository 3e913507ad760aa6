#pragma once

// What must hold of a whole cluster between any two deliveries, whatever
// fails: looked at by the chaos run after every delivery of the harness
// (runtime::testing::harness::after_each_delivery), not only at the end.
//
// - No task leaves a terminal state: not in the master's records (within
//   one run of the master, which knows only what agents tell it after a
//   restart; a task LOST may come back when its agent does, as in Mesos),
//   not in an agent's (within one run of the agent), not in what its
//   framework hears from the agent (no RUNNING after FINISHED, no second,
//   different end).
// - On every registered agent, what the master has offered plus what its
//   tasks and executors hold never exceeds the agent's total.
// - Once the cluster has settled (`settled_problems`), the master and the
//   agents agree on every task.

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "actors/agent/agent_process.hpp"
#include "actors/common/resources.hpp"
#include "actors/common/task_states.hpp"
#include "actors/master/master_process.hpp"
#include "runtime/testing/harness.hpp"
#include "tests/cluster/cluster_fixture.hpp"

namespace mensa::test {

class cluster_invariants {
 public:
  /// Watches `c`, whose agents each have `total`; `journals()` returns what
  /// every scheduler so far heard, by framework name.
  cluster_invariants(
      test_cluster& c, common::resources total,
      std::function<
          std::vector<std::pair<std::string, const test_scheduler::journal*>>()>
          journals)
      : c_(c), total_(std::move(total)), journals_(std::move(journals)) {}

  /// Looks at the cluster now; keeps the first violation.
  void check() {
    if (!violation_.empty())
      return;
    ++checks_;
    check_master();
    check_agents();
    check_frameworks();
  }

  /// Returns the first violation seen ("" if none), with the delivery at
  /// which it was seen.
  const std::string& violation() const noexcept { return violation_; }

  /// Returns how many times the cluster was looked at.
  uint64_t checks() const noexcept { return checks_; }

  /// Returns what does not agree between the master and the agents once
  /// the cluster has settled ("" if all does).
  std::string settled_problems() {
    std::ostringstream out;
    auto* master = runtime::testing::harness::peek<master::master_process>(
        *c_.master_node, "master");
    if (master == nullptr)
      return "the master is not running";
    std::map<std::string, std::pair<std::string, v1::TaskState>> at_agents;
    for (std::size_t i = 0; i < c_.agent_nodes.size(); ++i) {
      auto* agent = runtime::testing::harness::peek<agent::agent_process>(
          *c_.agent_nodes[i], "agent");
      if (agent == nullptr)
        continue;
      for (auto& [framework_id, framework] : agent->frameworks())
        for (auto& [executor_id, executor] : framework.executors)
          for (auto& [task_id, task] : executor.launched)
            at_agents[task_id] = {agent->agent_id(), task.state()};
    }
    for (auto& [framework_id, framework] : master->frameworks())
      for (auto& [task_id, task] : framework.tasks) {
        auto there = at_agents.find(task_id);
        if (there == at_agents.end())
          out << task_id << " is " << common::name_of(task.state)
              << " at the master, unknown to its agent; ";
        else if (there->second.second != task.state)
          out << task_id << " is " << common::name_of(task.state) << " at the master, "
              << common::name_of(there->second.second) << " at its agent; ";
      }
    for (auto& [task_id, where] : at_agents) {
      bool live_at_master = false;
      for (auto& [framework_id, framework] : master->frameworks())
        live_at_master = live_at_master || framework.tasks.count(task_id) > 0;
      if (!live_at_master && !common::is_terminal(where.second))
        out << task_id << " is " << common::name_of(where.second) << " at agent "
            << where.first << ", which the master does not have live; ";
    }
    return out.str();
  }

 private:
  void fail(const std::string& what) {
    if (violation_.empty())
      violation_ = "at delivery " + std::to_string(c_.h.steps()) + ": " + what;
  }

  static bool final_end(v1::TaskState state) {
    return common::is_terminal(state) && state != v1::TASK_LOST;
  }

  void check_master() {
    auto* master = runtime::testing::harness::peek<master::master_process>(
        *c_.master_node, "master");
    if (master == nullptr)
      return;
    if (master->id() != master_run_) {
      master_run_ = master->id();
      ended_at_master_.clear();
    }
    std::map<std::string, std::pair<double, double>> held;
    for (auto& [id, offer] : master->offers())
      add(held[offer.agent_id], offer.resources);
    for (auto& [framework_id, framework] : master->frameworks()) {
      for (auto& ended : framework.completed_tasks)
        if (final_end(ended.record.state))
          ended_at_master_.emplace(framework_id + "/" + ended.id, ended.record.state);
      for (auto& [task_id, task] : framework.tasks) {
        if (auto end = ended_at_master_.find(framework_id + "/" + task_id);
            end != ended_at_master_.end())
          fail("task " + task_id + " is " + common::name_of(task.state) +
               " at the master after it ended there " + common::name_of(end->second));
        add(held[task.agent()], *task.resources);
      }
      for (auto& [agent_id, executors] : framework.executors)
        for (auto& [executor_id, resources] : executors)
          add(held[agent_id], resources);
    }
    auto cpus = total_.scalar("cpus");
    auto mem = total_.scalar("mem");
    for (auto& [agent_id, used] : held) {
      auto agent = master->agents().find(agent_id);
      if (agent == master->agents().end() ||
          agent->second.state != master::agent_state::registered)
        continue;
      if (used.first > cpus + 1e-6 || used.second > mem + 1e-6) {
        std::ostringstream what;
        what << "agent " << agent_id << " has cpus " << used.first << " and mem "
             << used.second << " offered or in use of its cpus " << cpus << " and mem "
             << mem;
        fail(what.str());
      }
    }
  }

  static void add(std::pair<double, double>& to, const common::resources& r) {
    to.first += r.scalar("cpus");
    to.second += r.scalar("mem");
  }

  void check_agents() {
    for (std::size_t i = 0; i < c_.agent_nodes.size(); ++i) {
      auto* agent = runtime::testing::harness::peek<agent::agent_process>(
          *c_.agent_nodes[i], "agent");
      if (agent == nullptr)
        continue;
      // A restarted agent starts from its checkpoint: what it had not kept
      // may be told again.
      auto& seen = agent_runs_[i];
      if (seen.first != agent->id()) {
        seen.first = agent->id();
        seen.second.clear();
      }
      for (auto& [framework_id, framework] : agent->frameworks())
        for (auto& [executor_id, executor] : framework.executors)
          for (auto& [task_id, task] : executor.launched) {
            auto& ended = seen.second[task_id];
            if (ended && !common::is_terminal(task.state()))
              fail("task " + task_id + " is " + common::name_of(task.state()) +
                   " at agent " + std::to_string(i) + " after it ended there");
            ended = ended || common::is_terminal(task.state());
          }
    }
  }

  void check_frameworks() {
    for (auto& [name, journal] : journals_()) {
      auto& done = heard_[journal];
      auto updates = journal->updates_since(done);
      done += updates.size();
      for (auto& status : updates) {
        // The master's own updates (no uuid: reconciliation, TASK_LOST when
        // an agent goes) are not part of the agent's stream.
        if (status.uuid().empty())
          continue;
        auto key = name + "/" + status.task_id().value();
        // A duplicate (an update resent because its acknowledgement was lost)
        // is not news: frameworks drop it by uuid.
        if (!heard_uuids_[key].insert(status.uuid()).second)
          continue;
        auto end = agent_ends_.find(key);
        if (end == agent_ends_.end()) {
          if (common::is_terminal(status.state()))
            agent_ends_[key] = status.state();
          continue;
        }
        if (status.state() != end->second)
          fail("framework " + name + " heard task " + status.task_id().value() + " " +
               common::name_of(status.state()) + " after its agent said " +
               common::name_of(end->second));
      }
    }
  }

  test_cluster& c_;
  common::resources total_;
  std::function<std::vector<std::pair<std::string, const test_scheduler::journal*>>()>
      journals_;
  std::string violation_;
  uint64_t checks_ = 0;
  // The run of the master (its ID) and the tasks that ended in it.
  std::string master_run_;
  std::map<std::string, v1::TaskState> ended_at_master_;
  // Per agent: the run of it (its actor id) and which tasks ended in it.
  std::map<std::size_t, std::pair<uint64_t, std::map<std::string, bool>>> agent_runs_;
  std::map<const test_scheduler::journal*, std::size_t> heard_;
  std::map<std::string, v1::TaskState> agent_ends_;
  std::map<std::string, std::set<std::string>> heard_uuids_;
};

}  // namespace mensa::test
