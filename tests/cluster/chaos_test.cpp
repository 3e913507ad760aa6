// A seeded chaos run on the harness: a master, three agents and two
// frameworks (one partition-aware, both checkpointing) run tasks while a
// schedule drawn from the seed drops, delays and duplicates status updates,
// acknowledgements and the master's events, cuts agents off and heals them,
// restarts agents and the master (on their checkpoints and registry), and
// fails schedulers over to new ones. Afterwards every task must have told
// its framework how it ended (as its command says, or KILLED if the
// framework is not partition-aware and the task's agent was cut off: it
// was LOST to the framework then), and the agent's updates of a task must
// have arrived in the order the task went through them, once each after
// de-duplication by uuid. A failure names its seed; MENSA_CHAOS_SEED=N
// replays that one alone, and MENSA_CHAOS_SEEDS=N runs more
// (tools/bench/chaos --seeds=N).

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "actors/common/task_states.hpp"
#include "runtime/testing/temporary_directory.hpp"
#include "tests/cluster/cluster_fixture.hpp"

using namespace mensa;
using namespace std::chrono_literals;

namespace {

struct planned_task {
  std::string id;
  std::string command;
  v1::TaskState ends;
};

// One framework, across the schedulers that fail over to one another.
struct chaos_framework {
  std::string name;
  v1::FrameworkInfo info;
  bool partition_aware = false;
  /// The scheduler now, and what each scheduler so far saw.
  std::string scheduler_name;
  runtime::address scheduler;
  std::vector<std::unique_ptr<test::test_scheduler::journal>> logs;
  std::vector<planned_task> tasks;
  std::size_t launched = 0;

  test::test_scheduler::journal& log() { return *logs.back(); }

  /// Every update the framework's schedulers saw, in order.
  std::vector<v1::TaskStatus> updates() const {
    std::vector<v1::TaskStatus> all;
    for (auto& log : logs) {
      auto seen = log->updates();
      all.insert(all.end(), seen.begin(), seen.end());
    }
    return all;
  }
};

int rank(v1::TaskState state) {
  switch (state) {
    case v1::TASK_STAGING:
      return 0;
    case v1::TASK_STARTING:
      return 1;
    case v1::TASK_RUNNING:
      return 2;
    case v1::TASK_KILLING:
      return 3;
    default:
      return 4;
  }
}

// A directory for one run's checkpoints and registry, removed with it.
struct scratch_directory {
  scratch_directory() : path(*runtime::testing::make_temporary_directory("chaos")) {}
  ~scratch_directory() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string path;
};

class chaos_run {
 public:
  explicit chaos_run(uint64_t seed)
      : random_(seed), c_(seed, {}, {}, scratch_.path + "/registry") {}

  /// Runs the storm; returns what went wrong, or nothing.
  std::string run() {
    for (int i = 0; i < 3; ++i)
      c_.add_agent("cpus:4;mem:1024", [&](agent::agent_options& options) {
        options.work_dir = scratch_.path + "/agent-" + std::to_string(i);
      });
    for (auto aware : {false, true}) {
      auto& f = frameworks_.emplace_back(std::make_unique<chaos_framework>());
      f->name = aware ? "aware" : "plain";
      f->partition_aware = aware;
      f->info = test::make_framework(f->name);
      f->info.set_failover_timeout(3600);
      f->info.set_checkpoint(true);
      if (aware)
        f->info.add_capabilities()->set_type(
            v1::FrameworkInfo::Capability::PARTITION_AWARE);
      for (int t = 0; t < 5; ++t)
        f->tasks.push_back(plan(f->name + "-" + std::to_string(t)));
      f->logs.push_back(std::make_unique<test::test_scheduler::journal>());
      f->scheduler_name = f->name;
      f->scheduler = c_.add_framework(f->scheduler_name, &f->log(), f->info);
    }
    if (!launch_all())
      return "the tasks could not all be launched";
    storm();
    for (auto* n : cut_)
      c_.h.heal(*c_.master_node, *n);
    cut_.clear();
    if (!c_.h.run_until([&] { return all_told(); }, 900s))
      return "not every task told its framework how it ended: " + pending() +
             explain_pending();
    return check();
  }

 private:
  planned_task plan(std::string id) {
    switch (pick(4)) {
      case 0:
        return {std::move(id), "exit 0", v1::TASK_FINISHED};
      case 1:
        return {std::move(id), "exit 3", v1::TASK_FAILED};
      default:
        return {std::move(id), "sleep " + std::to_string(1 + pick(30)),
                v1::TASK_FINISHED};
    }
  }

  uint64_t pick(uint64_t n) { return random_() % n; }

  // Launches each framework's tasks on the offers it gets, one cpu each.
  bool launch_all() {
    for (int round = 0; round < 120; ++round) {
      bool done = true;
      for (auto& f : frameworks_) {
        if (f->launched == f->tasks.size())
          continue;
        done = false;
        auto* framework = f.get();
        c_.on_framework(f->scheduler_name, [framework](test::test_scheduler& s) {
          while (framework->launched < framework->tasks.size() &&
                 !framework->log().outstanding().empty()) {
            auto offer = s.take_offer();
            std::vector<v1::TaskInfo> tasks;
            for (auto cpus = common::resources(offer.resources()).scalar("cpus");
                 cpus >= 1 && framework->launched < framework->tasks.size();
                 cpus -= 1) {
              auto& planned = framework->tasks[framework->launched++];
              tasks.push_back(
                  test::make_task(planned.id, offer, "cpus:1;mem:64", planned.command));
            }
            s.launch_tasks(offer.id(), tasks);
          }
        });
      }
      if (done)
        return true;
      c_.h.advance(1s);
    }
    return false;
  }

  // Forty seconds of faults, one drawn each second.
  void storm() {
    std::map<int, runtime::node*> heal_at;
    for (int second = 0; second < 40; ++second) {
      if (auto i = heal_at.find(second); i != heal_at.end()) {
        c_.h.heal(*c_.master_node, *i->second);
        cut_.erase(i->second);
      }
      auto agent = pick(c_.agents.size());
      auto& framework = *frameworks_[pick(frameworks_.size())];
      auto later = std::chrono::seconds(1 + static_cast<int>(pick(6)));
      switch (pick(12)) {
        case 0:
        case 1:
          c_.h.drop_next<internal::StatusUpdate>(c_.agents[agent], c_.master_address);
          break;
        case 2:
          c_.h.delay_next<internal::StatusUpdate>(
              c_.agents[agent], c_.master_address,
              std::chrono::seconds(1 + static_cast<int>(pick(6))));
          break;
        case 3:
          c_.h.drop_next<internal::StatusUpdateAcknowledgement>(c_.master_address,
                                                                c_.agents[agent]);
          break;
        case 4:
          c_.h.drop_next<v1::scheduler::Event>(c_.master_address, framework.scheduler);
          break;
        case 5:
          c_.h.drop_next<v1::scheduler::Call>(framework.scheduler, c_.master_address);
          break;
        case 6: {
          auto* n = c_.agent_nodes[agent];
          if (cut_.count(n) == 0) {
            c_.inspect_agent(agent, [&](agent::agent_process& a) {
              ever_cut_.insert(a.agent_id());
            });
            c_.h.partition(*c_.master_node, *n);
            cut_.insert(n);
            heal_at[second + 2 + static_cast<int>(pick(20))] = n;
          }
          break;
        }
        case 7:
          c_.h.duplicate_next<internal::StatusUpdate>(c_.agents[agent],
                                                      c_.master_address, later);
          break;
        case 8:
          c_.h.duplicate_next<internal::StatusUpdateAcknowledgement>(
              c_.master_address, c_.agents[agent], later);
          c_.h.duplicate_next<v1::scheduler::Event>(c_.master_address,
                                                    framework.scheduler, later);
          break;
        case 9:
          c_.restart_agent(agent);
          break;
        case 10:
          if (master_restarts_++ < 2)
            c_.restart_master();
          break;
        default:
          fail_over(framework);
          break;
      }
      c_.h.advance(1s);
    }
  }

  // The scheduler stops; another subscribes with the framework's ID.
  void fail_over(chaos_framework& f) {
    std::optional<v1::FrameworkID> id;
    c_.on_framework(f.scheduler_name, [&id](test::test_scheduler& s) {
      id = s.framework_id();
      s.stop();
    });
    c_.h.settle();
    if (!id)
      return;
    auto info = f.info;
    *info.mutable_id() = *id;
    f.logs.push_back(std::make_unique<test::test_scheduler::journal>());
    f.scheduler_name = f.name + "-" + std::to_string(f.logs.size());
    f.scheduler = c_.add_framework(f.scheduler_name, &f.log(), info);
  }

  // The agent's updates of a task, first of each UUID, in arrival order.
  static std::vector<v1::TaskStatus> from_agent(const chaos_framework& f,
                                                const std::string& task) {
    std::vector<v1::TaskStatus> result;
    std::set<std::string> seen;
    for (auto& status : f.updates())
      if (status.task_id().value() == task && !status.uuid().empty() &&
          seen.insert(status.uuid()).second)
        result.push_back(status);
    return result;
  }

  // The tasks whose end has not reached their framework yet.
  std::string pending() const {
    std::string out;
    for (auto& f : frameworks_)
      for (auto& t : f->tasks) {
        auto updates = from_agent(*f, t.id);
        if (updates.empty() || !common::is_terminal(updates.back().state()))
          out += t.id + " ";
      }
    return out;
  }

  bool all_told() const { return pending().empty(); }

  // Where the tasks that did not tell their end stand: what their framework
  // heard, what the master and the agents know of them.
  std::string explain_pending() {
    std::ostringstream out;
    for (auto& f : frameworks_)
      for (auto& t : f->tasks) {
        auto updates = from_agent(*f, t.id);
        if (!updates.empty() && common::is_terminal(updates.back().state()))
          continue;
        out << "\n  " << t.id << " ('" << t.command << "'): heard";
        for (auto& status : f->updates())
          if (status.task_id().value() == t.id)
            out << " " << v1::TaskState_Name(status.state())
                << (status.uuid().empty() ? "(master)" : "");
        c_.inspect_master([&](master::master_process& m) {
          for (auto& [id, framework] : m.frameworks())
            if (auto task = framework.tasks.find(t.id); task != framework.tasks.end())
              out << "; master: " << v1::TaskState_Name(task->second.state) << " on "
                  << task->second.agent();
        });
        for (std::size_t a = 0; a < c_.agents.size(); ++a)
          c_.inspect_agent(a, [&](agent::agent_process& agent) {
            for (auto& [id, framework] : agent.frameworks())
              for (auto& [executor_id, executor] : framework.executors)
                if (auto task = executor.launched.find(t.id);
                    task != executor.launched.end())
                  out << "; agent " << a << ": "
                      << v1::TaskState_Name(task->second.state()) << " (executor state "
                      << static_cast<int>(executor.state) << ")";
            for (auto& [id, framework] : agent.frameworks()) {
              auto pending = agent.updates().unacknowledged(id, t.id);
              if (!pending.empty())
                out << "; agent " << a << " has " << pending.size()
                    << " unacknowledged updates";
            }
          });
      }
    return out.str();
  }

  std::string check() const {
    std::ostringstream problems;
    for (auto& f : frameworks_)
      for (auto& t : f->tasks) {
        auto updates = from_agent(*f, t.id);
        int last = -1;
        for (auto& status : updates) {
          if (rank(status.state()) <= last)
            problems << t.id << ": " << v1::TaskState_Name(status.state())
                     << " arrived after a later state; ";
          last = rank(status.state());
        }
        auto ended = updates.back().state();
        // The master's TASK_LOST is not delivered reliably (as in Mesos), so
        // what counts is that the task's agent was cut off at some point.
        bool killed_after_lost = ended == v1::TASK_KILLED && !f->partition_aware &&
                                 ever_cut_.count(updates.back().agent_id().value()) > 0;
        if (ended != t.ends && !killed_after_lost)
          problems << t.id << " ('" << t.command << "') ended "
                   << v1::TaskState_Name(ended) << ", not "
                   << v1::TaskState_Name(t.ends) << "; ";
      }
    return problems.str();
  }

  std::mt19937_64 random_;
  // Outlives the cluster, whose checkpoints are in it.
  scratch_directory scratch_;
  // The journals outlive the cluster whose schedulers write into them.
  std::vector<std::unique_ptr<chaos_framework>> frameworks_;
  test::test_cluster c_;
  int master_restarts_ = 0;
  std::set<runtime::node*> cut_;
  std::set<std::string> ever_cut_;
};

uint64_t from_environment(const char* name, uint64_t otherwise) {
  auto* text = std::getenv(name);
  return text == nullptr ? otherwise : std::strtoull(text, nullptr, 10);
}

}  // namespace

TEST_CASE("chaos: every task's end reaches its framework, its updates in order") {
  auto first = from_environment("MENSA_CHAOS_SEED", 1);
  auto count = std::getenv("MENSA_CHAOS_SEED") != nullptr
                   ? 1
                   : from_environment("MENSA_CHAOS_SEEDS", 200);
  for (auto seed = first; seed < first + count; ++seed) {
    CAPTURE(seed);
    auto problems = chaos_run(seed).run();
    CHECK_MESSAGE(problems.empty(), "seed " << seed << " (replay: MENSA_CHAOS_SEED="
                                            << seed << "): " << problems);
  }
}
