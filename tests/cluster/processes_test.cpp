// The cluster as separate OS processes on 127.0.0.1: `mensa master`, two
// `mensa agent`s running real shell commands, and frameworks that are
// `mensa execute` processes or schedulers in this test process.

#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
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

using test::framework_here;
using test::generous;
using test::process_cluster;
using test::read_file;

// Returns the sandbox the agent labelled `status` with.
std::string sandbox_of(const v1::TaskStatus& status) {
  for (auto& label : status.labels().labels())
    if (label.key() == agent::sandbox_label)
      return label.value();
  return {};
}

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
  auto sandbox = sandbox_of(f.log.last_update_of("stubborn"));
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

TEST_CASE(
    "a master killed with SIGKILL restarts on its registry: the agent keeps its ID, "
    "the framework resubscribes, the task runs on and its end arrives") {
  auto dir = *runtime::testing::make_temporary_directory("failover");
  auto start_master = [&](const std::string& port) {
    auto master =
        test::start_mensa({"master", "--port=" + port, "--logging_level=warning",
                           "--work_dir=" + dir + "/master"});
    auto listening = master.wait_for_line("master: listening at ", generous);
    REQUIRE_MESSAGE(listening, (listening ? "" : listening.error().message));
    return std::make_pair(std::move(master), *runtime::address::parse(*listening));
  };
  auto [master, address] = start_master("0");
  auto agent = test::start_mensa(
      {"agent", "--port=0", "--logging_level=warning",
       "--master=" + std::string(address.endpoint()), "--work_dir=" + dir + "/agent",
       "--resources=cpus:2;mem:512;disk:100;ports:[31000-31010]"});
  REQUIRE(agent.wait_for_line("agent: listening at ", generous));
  auto info = test::make_framework("survivor");
  info.set_failover_timeout(3600);
  framework_here f(address, info);
  // The task ends when the test says so, by a file it waits for.
  auto go = dir + "/go";
  f.launch({{"t", "while [ ! -e " + go + " ]; do sleep 0.05; done; echo finished"}});
  REQUIRE(f.reaches("t", v1::TASK_RUNNING));
  auto agent_id = f.log.last_update_of("t").agent_id().value();
  auto subscriptions = f.log.subscriptions();

  master.signal(SIGKILL);
  REQUIRE(master.wait(generous));
  auto restarted = start_master(std::to_string(address.port()));
  auto& [second, second_address] = restarted;
  CHECK(second_address == address);
  REQUIRE(
      f.log.wait_for([&] { return f.log.subscriptions() > subscriptions; }, generous));

  f.let_finish("t", go, agent_id);
  second.signal(SIGTERM);
  agent.signal(SIGTERM);
}

TEST_CASE(
    "a master restarted on its registry knows its agents: one that does not come "
    "back is unreachable after --agent_reregister_timeout") {
  auto dir = *runtime::testing::make_temporary_directory("registry");
  auto master = test::start_mensa({"master", "--port=0", "--logging_level=warning",
                                   "--work_dir=" + dir + "/master"});
  auto listening = master.wait_for_line("master: listening at ", generous);
  REQUIRE(listening);
  auto address = *runtime::address::parse(*listening);
  auto agent =
      test::start_mensa({"agent", "--port=0", "--logging_level=warning",
                         "--master=" + std::string(address.endpoint()),
                         "--work_dir=" + dir + "/agent", "--resources=cpus:1;mem:128"});
  auto info = test::make_framework("watcher");
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::PARTITION_AWARE);
  framework_here f(address, info);
  REQUIRE(f.log.wait_for([&] { return !f.log.offers().empty(); }, generous));
  auto agent_id = f.log.offers().front().agent_id();
  auto subscriptions = f.log.subscriptions();

  // The master goes first, so the registry still counts the agent as
  // reachable; the agent never comes back.
  master.signal(SIGKILL);
  REQUIRE(master.wait(generous));
  agent.signal(SIGKILL);
  REQUIRE(agent.wait(generous));
  auto second = test::start_mensa(
      {"master", "--port=" + std::to_string(address.port()), "--logging_level=warning",
       "--work_dir=" + dir + "/master", "--agent_reregister_timeout=1s"});
  REQUIRE(second.wait_for_line("master: listening at ", generous));
  REQUIRE(
      f.log.wait_for([&] { return f.log.subscriptions() > subscriptions; }, generous));

  // Ask about a task on that agent until the master answers: it knows the
  // agent from its registry, so once the agent had its time the answer is
  // UNREACHABLE, not the UNKNOWN of an agent never seen.
  v1::scheduler::Call::Reconcile::Task ghost;
  ghost.mutable_task_id()->set_value("ghost");
  *ghost.mutable_agent_id() = agent_id;
  auto deadline = std::chrono::steady_clock::now() + generous;
  while (f.log.states_of("ghost").empty() &&
         std::chrono::steady_clock::now() < deadline) {
    f.on([ghost](test::test_scheduler& s) { s.reconcile({ghost}); });
    f.log.wait_for([&] { return !f.log.states_of("ghost").empty(); }, 250ms);
  }
  REQUIRE_FALSE(f.log.states_of("ghost").empty());
  auto answer = f.log.last_update_of("ghost");
  CHECK(answer.state() == v1::TASK_UNREACHABLE);
  CHECK(answer.message() == "the task's agent is unreachable");
  second.signal(SIGTERM);
}

TEST_CASE(
    "an agent killed with SIGKILL and restarted takes back its executor: the task of a "
    "checkpointing framework survives, finishes, and its updates arrive") {
  process_cluster c;
  auto dir = c.dir + "/restarted";
  auto start_agent = [&](const std::string& port) {
    auto agent = test::start_mensa(
        {"agent", "--port=" + port, "--logging_level=warning",
         "--master=" + std::string(c.master_address.endpoint()), "--work_dir=" + dir,
         "--resources=cpus:2;mem:512;disk:100;ports:[31000-31010]"});
    auto listening = agent.wait_for_line("agent: listening at ", generous);
    REQUIRE_MESSAGE(listening, (listening ? "" : listening.error().message));
    // "agent@HOST:PORT, registering with ..."
    auto address = runtime::address::parse(listening->substr(0, listening->find(',')));
    REQUIRE(address);
    return std::make_pair(std::move(agent), *address);
  };
  // Only this agent has room for the task.
  for (auto& other : c.agents)
    other.signal(SIGKILL);
  auto [agent, address] = start_agent("0");
  auto info = test::make_framework("checkpointer");
  info.set_checkpoint(true);
  framework_here f(c.master_address, info);
  auto go = dir + "/go";
  f.launch({{"t", "while [ ! -e " + go + " ]; do sleep 0.05; done; echo finished"}});
  REQUIRE(f.reaches("t", v1::TASK_RUNNING));
  auto agent_id = f.log.last_update_of("t").agent_id().value();

  agent.signal(SIGKILL);
  REQUIRE(agent.wait(generous));
  // The executor and its task live on without their agent.
  auto restarted = start_agent(std::to_string(address.port()));
  auto& [second, second_address] = restarted;
  CHECK(second_address == address);

  f.let_finish("t", go, agent_id);
  auto end = f.log.last_update_of("t");
  CHECK(end.source() == v1::TaskStatus::SOURCE_EXECUTOR);
  // It ran once: its one sandbox says so.
  CHECK(read_file(sandbox_of(end) + "/stdout") == "finished\n");
  second.signal(SIGTERM);
}
