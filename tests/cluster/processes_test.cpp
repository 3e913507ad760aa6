// The cluster as separate OS processes on 127.0.0.1: `mensa master`, two
// `mensa agent`s running real shell commands, and frameworks that are
// `mensa execute` processes or schedulers in this test process.

#include <doctest/doctest.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <thread>

#include "runtime/node.hpp"
#include "tests/cluster/cluster_fixture.hpp"
#include "tests/cluster/process_cluster.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using test::make_task;

namespace {

using test::generous;
using test::process_cluster;
using test::read_file;

// A scheduler in this process, on a real node.
struct framework_here {
  framework_here(const runtime::address& master, v1::FrameworkInfo info) {
    auto cfg = std::make_unique<runtime::node_config>();
    cfg->logging_level = "warning";
    node = std::move(*runtime::node::start(std::move(cfg)));
    node->spawn<test::test_scheduler>("framework", master, info, &log);
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

  // Launches one task per command, each on an offer of its own agent.
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

  test::test_scheduler::journal log;
  std::unique_ptr<runtime::node> node;
};

}  // namespace

TEST_CASE("mensa execute runs real commands and reports failures with their sandbox") {
  process_cluster c;
  auto ok = test::start_mensa(
      {"execute", "--master=" + std::string(c.master_address.endpoint()),
       "--command=echo hello from $MENSA_TASK_ID", "--instances=3"});
  auto ok_code = ok.wait(generous);
  REQUIRE(ok_code);
  CHECK(*ok_code == 0);
  CHECK(ok.lines().back() == "done: 3 finished, 0 did not");

  auto bad = test::start_mensa({"execute",
                                "--master=" + std::string(c.master_address.endpoint()),
                                "--command=echo broken >&2; exit 3", "--instances=1"});
  auto bad_code = bad.wait(generous);
  REQUIRE(bad_code);
  CHECK(*bad_code == 1);
  std::string failure;
  for (auto& line : bad.lines())
    if (line.rfind("task-1 TASK_FAILED: ", 0) == 0)
      failure = line;
  REQUIRE_MESSAGE(!failure.empty(), "no failure line");
  CHECK(failure.find("Command exited with status 3") != std::string::npos);
  auto at = failure.find("(sandbox: ");
  REQUIRE(at != std::string::npos);
  auto sandbox = failure.substr(at + 10, failure.size() - at - 11);
  CHECK(sandbox.rfind(c.dir, 0) == 0);
  CHECK(read_file(sandbox + "/stderr").find("broken") != std::string::npos);
  // The task ran on the job's default executor: its sandbox is
  // runs/<container>/tasks/task-1, and runs/latest leads to it too.
  auto tasks = sandbox.rfind("/tasks/task-1");
  REQUIRE(tasks == sandbox.size() - std::string("/tasks/task-1").size());
  auto run = sandbox.substr(0, tasks);
  auto runs = run.substr(0, run.rfind('/'));
  CHECK(runs.substr(runs.rfind('/')) == "/runs");
  CHECK(read_file(runs + "/latest/tasks/task-1/stderr").find("broken") !=
        std::string::npos);
}

TEST_CASE("a framework kills a real task, politely and forcibly") {
  process_cluster c;
  framework_here f(c.master_address, test::make_framework("killer"));
  f.launch({{"polite", "sleep 1000"},
            {"stubborn", "trap '' TERM; touch trapped; sleep 1000 & wait"}},
           [](v1::TaskInfo& task) {
             task.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(
                 1'000'000'000);
           });
  REQUIRE(f.reaches("polite", v1::TASK_RUNNING));
  REQUIRE(f.reaches("stubborn", v1::TASK_RUNNING));
  // SIGTERM must find the trap in place: wait until the task says so.
  std::string sandbox;
  auto running = f.log.last_update_of("stubborn");
  for (auto& label : running.labels().labels())
    if (label.key() == agent::sandbox_label)
      sandbox = label.value();
  REQUIRE_FALSE(sandbox.empty());
  auto deadline = std::chrono::steady_clock::now() + generous;
  while (!std::ifstream(sandbox + "/trapped") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  REQUIRE(std::ifstream(sandbox + "/trapped"));
  f.on([](test::test_scheduler& s) {
    v1::TaskID polite;
    polite.set_value("polite");
    v1::TaskID stubborn;
    stubborn.set_value("stubborn");
    s.kill(polite);
    s.kill(stubborn);
  });
  REQUIRE(f.reaches("polite", v1::TASK_KILLED));
  REQUIRE(f.reaches("stubborn", v1::TASK_KILLED));
  CHECK(f.log.last_update_of("polite").message() ==
        "Command terminated by signal SIGTERM");
  CHECK(f.log.last_update_of("stubborn").message() ==
        "Command terminated by signal SIGKILL");
}

TEST_CASE(
    "an agent killed with SIGKILL: its tasks are LOST, or UNREACHABLE if "
    "partition-aware") {
  process_cluster c;
  // Each framework runs one task on each agent. The second subscribes once
  // the first has launched: subscribed together, DRF would split the two
  // agents between them and neither would see an offer from both.
  framework_here plain(c.master_address, test::make_framework("plain"));
  plain.launch({{"p1", "sleep 1000"}, {"p2", "sleep 1000"}});
  auto aware_info = test::make_framework("aware");
  aware_info.add_capabilities()->set_type(
      v1::FrameworkInfo::Capability::PARTITION_AWARE);
  framework_here aware(c.master_address, aware_info);
  aware.launch({{"a1", "sleep 1000"}, {"a2", "sleep 1000"}});
  for (auto* t : {"p1", "p2"})
    REQUIRE(plain.reaches(t, v1::TASK_RUNNING));
  for (auto* t : {"a1", "a2"})
    REQUIRE(aware.reaches(t, v1::TASK_RUNNING));
  auto first_agent = plain.log.last_update_of("p1").agent_id().value();
  auto killed_at = std::chrono::steady_clock::now();
  c.agents[0].signal(SIGKILL);
  // The agent that ran p1 may be either process; wait for one of each pair.
  REQUIRE(plain.log.wait_for(
      [&] {
        for (auto* t : {"p1", "p2"})
          if (plain.log.last_update_of(t).state() == v1::TASK_LOST)
            return true;
        return false;
      },
      generous));
  auto lost_after = std::chrono::steady_clock::now() - killed_at;
  REQUIRE(aware.log.wait_for(
      [&] {
        for (auto* t : {"a1", "a2"})
          if (aware.log.last_update_of(t).state() == v1::TASK_UNREACHABLE)
            return true;
        return false;
      },
      generous));
  MESSAGE("TASK_LOST "
          << std::chrono::duration_cast<std::chrono::milliseconds>(lost_after).count()
          << " ms after SIGKILL of the agent");
  (void)first_agent;
  // The other agent's tasks keep running.
  int running = 0;
  for (auto* t : {"p1", "p2"})
    running += plain.log.last_update_of(t).state() == v1::TASK_RUNNING ? 1 : 0;
  CHECK(running == 1);
}
