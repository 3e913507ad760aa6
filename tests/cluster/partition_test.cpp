// A real network partition: the agent runs in a Linux network namespace of
// its own, joined to the master's by a veth pair that the test takes down
// and up again. Needs root (to make namespaces); without it the test says
// so and skips.

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "tests/cluster/process_cluster.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using test::framework_here;
using test::generous;

namespace {

// Runs a shell command; returns whether it succeeded.
bool run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

// A network namespace with one veth link to this one: `host_ip` here,
// `inner_ip` inside. Removed (with its link) on destruction.
struct network_namespace {
  network_namespace() {
    auto id = std::to_string(getpid() % 100000);
    auto subnet = "10.201." + std::to_string(getpid() % 250) + ".";
    name = "mensa-test-" + id;
    host_link = "mh" + id;
    host_ip = subnet + "1";
    inner_ip = subnet + "2";
    created =
        run("ip netns add " + name) &&
        run("ip netns exec " + name + " ip link set lo up") &&
        run("ip link add " + host_link + " type veth peer name mn" + id) &&
        run("ip link set mn" + id + " netns " + name) &&
        run("ip addr add " + host_ip + "/30 dev " + host_link) &&
        run("ip link set " + host_link + " up") &&
        run("ip netns exec " + name + " ip addr add " + inner_ip + "/30 dev mn" + id) &&
        run("ip netns exec " + name + " ip link set mn" + id + " up");
  }

  ~network_namespace() {
    run("ip link del " + host_link);
    run("ip netns del " + name);
  }

  bool cut() { return run("ip link set " + host_link + " down"); }
  bool heal() { return run("ip link set " + host_link + " up"); }

  std::string name;
  std::string host_link;
  std::string host_ip;
  std::string inner_ip;
  bool created = false;
};

}  // namespace

TEST_CASE(
    "an agent cut off by a real network partition becomes unreachable, and once "
    "healed it is reconciled: the partition-aware framework gets its task back") {
  if (geteuid() != 0) {
    MESSAGE("skipped: making network namespaces needs root");
    return;
  }
  network_namespace ns;
  if (!ns.created) {
    MESSAGE(
        "skipped: cannot make a network namespace with a veth link (`ip netns` "
        "failed; is iproute2 installed and are namespaces allowed here?)");
    return;
  }
  auto dir = *runtime::testing::make_temporary_directory("partition");
  // Fast detection: heartbeats every 500 ms, a connection lost after 3 s
  // of silence, pings every second.
  std::vector<std::string> fast = {"--heartbeat_interval=500ms",
                                   "--heartbeat_timeout=3s"};
  std::vector<std::string> master_argv = {"master",
                                          "--ip=" + ns.host_ip,
                                          "--port=0",
                                          "--logging_level=warning",
                                          "--agent_ping_interval=1s",
                                          "--max_agent_ping_timeouts=3"};
  master_argv.insert(master_argv.end(), fast.begin(), fast.end());
  auto master = test::start_mensa(master_argv);
  auto listening = master.wait_for_line("master: listening at ", generous);
  REQUIRE_MESSAGE(listening, (listening ? "" : listening.error().message));
  auto address = *runtime::address::parse(*listening);
  std::vector<std::string> agent_argv = {"ip",
                                         "netns",
                                         "exec",
                                         ns.name,
                                         test::mensa_program(),
                                         "agent",
                                         "--ip=" + ns.inner_ip,
                                         "--port=0",
                                         "--logging_level=warning",
                                         "--master=" + std::string(address.endpoint()),
                                         "--work_dir=" + dir + "/agent",
                                         "--resources=cpus:1;mem:128",
                                         "--master_ping_timeout=5s"};
  agent_argv.insert(agent_argv.end(), fast.begin(), fast.end());
  auto agent = runtime::testing::child_process::start(agent_argv);
  REQUIRE_MESSAGE(agent, (agent ? "" : agent.error().message));
  REQUIRE(agent->wait_for_line("agent: listening at ", generous));

  auto info = test::make_framework("partitioned");
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::PARTITION_AWARE);
  framework_here f(address, info);
  f.launch({{"t", "sleep 1000"}});
  REQUIRE(f.reaches("t", v1::TASK_RUNNING));
  auto agent_id = f.log.last_update_of("t").agent_id().value();

  REQUIRE(ns.cut());
  REQUIRE(f.reaches("t", v1::TASK_UNREACHABLE));
  CHECK(f.log.last_update_of("t").reason() ==
        v1::TaskStatus::REASON_AGENT_DISCONNECTED);

  REQUIRE(ns.heal());
  REQUIRE(f.reaches("t", v1::TASK_RUNNING));
  auto back = f.log.last_update_of("t");
  CHECK(back.reason() == v1::TaskStatus::REASON_AGENT_REREGISTERED);
  CHECK(back.agent_id().value() == agent_id);
  agent->signal(SIGTERM);
  master.signal(SIGTERM);
}
