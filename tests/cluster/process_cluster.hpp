#pragma once

// The cluster as separate OS processes on 127.0.0.1, for tests that need
// real sockets and real tasks.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/address.hpp"
#include "runtime/dispatch.hpp"
#include "runtime/node.hpp"
#include "runtime/testing/child_process.hpp"
#include "runtime/testing/temporary_directory.hpp"
#include "tests/cluster/cluster_fixture.hpp"

namespace mensa::test {

/// How long a real-process test waits for an event before it fails.
inline constexpr auto generous = std::chrono::milliseconds(60000);

/// Returns the `mensa` program under test (meson sets MENSA_PROGRAM).
inline std::string mensa_program() {
  auto* path = std::getenv("MENSA_PROGRAM");
  REQUIRE_MESSAGE(path != nullptr, "MENSA_PROGRAM is not set (run through meson test)");
  return path;
}

/// Starts `mensa` with `argv` as a child process.
inline runtime::testing::child_process start_mensa(std::vector<std::string> argv) {
  argv.insert(argv.begin(), mensa_program());
  auto child = runtime::testing::child_process::start(argv);
  REQUIRE_MESSAGE(child, (child ? "" : child.error().message));
  return std::move(*child);
}

/// Returns the contents of the file at `path` (empty if unreadable).
inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

/// A master and two agents, each its own OS process, on ephemeral ports.
struct process_cluster {
  process_cluster() {
    dir = *runtime::testing::make_temporary_directory("cluster");
    master = start_mensa({"master", "--port=0", "--logging_level=warning"});
    auto address = master.wait_for_line("master: listening at ", generous);
    REQUIRE_MESSAGE(address, (address ? "" : address.error().message));
    master_address = *runtime::address::parse(*address);
    for (int k = 1; k <= 2; ++k) {
      agents.push_back(
          start_mensa({"agent", "--port=0", "--logging_level=warning",
                       "--master=" + std::string(master_address.endpoint()),
                       "--work_dir=" + dir + "/agent-" + std::to_string(k),
                       "--resources=cpus:2;mem:512;disk:100;ports:[31000-31010]"}));
      REQUIRE(agents.back().wait_for_line("agent: listening at ", generous));
    }
  }

  std::string dir;
  runtime::testing::child_process master;
  runtime::address master_address;
  std::vector<runtime::testing::child_process> agents;
};

/// A scheduler in this process, on a real node of its own.
struct framework_here {
  framework_here(const runtime::address& master, v1::FrameworkInfo info) {
    auto cfg = std::make_unique<runtime::node_config>();
    cfg->logging_level = "warning";
    node = std::move(*runtime::node::start(std::move(cfg)));
    REQUIRE(node->spawn<test::test_scheduler>("framework", master, info, &log));
  }

  template <class F>
  void on(F fn) {
    runtime::dispatch<test::test_scheduler>(node->find("framework"), std::move(fn));
  }

  bool reaches(const std::string& task, v1::TaskState state) {
    return log.wait_for(
        [&] {
          auto states = log.states_of(task);
          return !states.empty() && states.back() == state;
        },
        generous);
  }

  /// Launches one task per command, each on an offer of its own agent.
  void launch(const std::vector<std::pair<std::string, std::string>>& tasks,
              const std::function<void(v1::TaskInfo&)>& adjust = {}) {
    REQUIRE(log.wait_for([&] { return log.outstanding().size() >= tasks.size(); },
                         generous));
    on([tasks, adjust](test::test_scheduler& s) {
      for (auto& [id, command] : tasks) {
        auto o = s.take_offer();
        auto task = make_task(id, o, "cpus:0.5;mem:32", command);
        if (adjust)
          adjust(task);
        s.launch_tasks(o.id(), {task});
      }
    });
  }

  /// Lets task `task`, which waits for the file `go`, end; checks that it
  /// finished on agent `agent_id` and that nothing reported it lost or
  /// failed on the way.
  void let_finish(const std::string& task, const std::string& go,
                  const std::string& agent_id) {
    std::ofstream(go).put('\n');
    REQUIRE(reaches(task, v1::TASK_FINISHED));
    CHECK(log.last_update_of(task).agent_id().value() == agent_id);
    auto states = log.states_of(task);
    CHECK(std::count(states.begin(), states.end(), v1::TASK_RUNNING) >= 1);
    CHECK(std::count(states.begin(), states.end(), v1::TASK_LOST) == 0);
    CHECK(std::count(states.begin(), states.end(), v1::TASK_FAILED) == 0);
  }

  test::test_scheduler::journal log;
  std::unique_ptr<runtime::node> node;
};

}  // namespace mensa::test
