// Masters that elect a leader through a real ZooKeeper server the tests
// start (Debian's zookeeperd): the contender and detector in this process,
// then `mensa master --zk` processes with an agent and a framework that
// follow the leader when it is killed or steps down. Without ZooKeeper
// installed, the tests say so and skip.

#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "actors/common/master_detector.hpp"
#include "actors/common/master_group.hpp"
#include "actors/master/master_contender.hpp"
#include "runtime/testing/http_client.hpp"
#include "runtime/testing/watched_state.hpp"
#include "runtime/testing/zookeeper_server.hpp"
#include "tests/cluster/process_cluster.hpp"

using namespace mensa;
using namespace std::chrono_literals;
using test::framework_here;
using test::generous;

namespace {

runtime::testing::zookeeper_server* shared_server() {
  auto server = runtime::testing::zookeeper_server::shared();
  if (!server)
    MESSAGE("skipped: " << server.error().message);
  return server ? *server : nullptr;
}

runtime::zookeeper_url url_of(const runtime::testing::zookeeper_server& server,
                              const std::string& path) {
  return *runtime::zookeeper_url::parse(server.url(path));
}

// What contenders and a detector told the test, from their threads.
class election_log : public runtime::testing::watched_state {
 public:
  void elected(const std::string& who, const std::string& member) {
    change([&] { elected_.push_back({who, member}); });
  }
  void lost(const std::string& who, const std::string& why) {
    change([&] { lost_.push_back({who, why}); });
  }
  void detected(const runtime::address& leader) {
    change([&] { detected_.push_back(leader); });
  }
  std::vector<std::pair<std::string, std::string>> elected() const {
    return read([&] { return elected_; });
  }
  std::vector<std::pair<std::string, std::string>> lost() const {
    return read([&] { return lost_; });
  }
  runtime::address leader() const {
    return read(
        [&] { return detected_.empty() ? runtime::address{} : detected_.back(); });
  }

 private:
  std::vector<std::pair<std::string, std::string>> elected_;
  std::vector<std::pair<std::string, std::string>> lost_;
  std::vector<runtime::address> detected_;
};

std::unique_ptr<master::master_contender> contend(const runtime::zookeeper_url& group,
                                                  const std::string& endpoint,
                                                  election_log& log) {
  auto address = *runtime::address::parse("master@" + endpoint);
  return std::make_unique<master::master_contender>(
      group, 2000ms, common::describe_master(address, endpoint),
      [&log, endpoint](auto, const std::string& member) {
        log.elected(endpoint, member);
      },
      [&log, endpoint](const std::string& why) { log.lost(endpoint, why); });
}

// A `mensa master --zk` process and the address it listens at.
struct zk_master {
  runtime::testing::child_process process;
  runtime::address address;
};

zk_master start_zk_master(const std::string& url) {
  auto process = test::start_mensa({"master", "--port=0", "--logging_level=warning",
                                    "--zk=" + url, "--zk_session_timeout=2s"});
  auto listening = process.wait_for_line("master: listening at ", generous);
  REQUIRE_MESSAGE(listening, (listening ? "" : listening.error().message));
  auto endpoint = listening->substr(0, listening->find(','));
  return {std::move(process), *runtime::address::parse(endpoint)};
}

// Returns the master among `masters` at `leader` (fails the test if none).
std::size_t index_of(const std::vector<zk_master>& masters,
                     const runtime::address& leader) {
  for (std::size_t i = 0; i < masters.size(); ++i)
    if (masters[i].address == leader)
      return i;
  FAIL("no master started by the test leads: " << leader.str());
  return 0;
}

// `count` `mensa master --zk` processes in the group at `path`, and a
// detector that tells the test which of them leads.
struct zk_masters {
  zk_masters(const runtime::testing::zookeeper_server& server, const std::string& path,
             int count)
      : url(server.url(path)),
        watcher(url_of(server, path), 2000ms,
                [this](const runtime::address& leader) { election.detected(leader); }) {
    for (int i = 0; i < count; ++i)
      masters.push_back(start_zk_master(url));
  }

  // Waits until a master other than `other_than` leads and says so;
  // returns which.
  std::size_t await_leader(const runtime::address& other_than = {}) {
    REQUIRE(election.wait_for(
        [&] {
          auto now = election.leader();
          return !now.empty() && now != other_than;
        },
        generous));
    auto leader = index_of(masters, election.leader());
    REQUIRE(masters[leader].process.wait_for_line("master: leading at ", generous));
    return leader;
  }

  std::string url;
  election_log election;
  std::vector<zk_master> masters;
  common::master_detector watcher;
};

}  // namespace

TEST_CASE(
    "masters contend through ZooKeeper: the first leads; when its znode goes it "
    "loses leadership, the next leads and the detector follows") {
  auto* server = shared_server();
  if (server == nullptr)
    return;
  auto group = url_of(*server, "/election");
  election_log log;
  auto first = contend(group, "127.0.0.1:1", log);
  REQUIRE(log.wait_for([&] { return log.elected().size() == 1; }, generous));
  auto second = contend(group, "127.0.0.1:2", log);
  common::master_detector detector(
      group, 2000ms, [&log](const runtime::address& leader) { log.detected(leader); });
  REQUIRE(log.wait_for([&] { return log.leader().str() == "master@127.0.0.1:1"; },
                       generous));
  auto [leader, member] = log.elected().front();
  CHECK(leader == "127.0.0.1:1");
  // The second waits: it does not lead while the first does.
  CHECK(log.elected().size() == 1);

  // Someone removes the leader's member znode (as its session's end would).
  auto session = runtime::zookeeper_session::start(group.servers, 2000ms, {});
  REQUIRE(session);
  REQUIRE((*session)->wait_connected(generous));
  REQUIRE((*session)->remove(member));
  REQUIRE(log.wait_for(
      [&] { return log.elected().size() == 2 && log.lost().size() == 1; }, generous));
  CHECK(log.elected().back().first == "127.0.0.1:2");
  REQUIRE(log.lost().size() == 1);
  CHECK(log.lost().front().first == "127.0.0.1:1");
  CHECK(log.lost().front().second.find("is gone") != std::string::npos);
  REQUIRE(log.wait_for([&] { return log.leader().str() == "master@127.0.0.1:2"; },
                       generous));

  // With no contender left, the detector reports that none leads.
  second.reset();
  first.reset();
  REQUIRE(log.wait_for([&] { return log.leader().empty(); }, generous));
}

TEST_CASE(
    "three masters with ZooKeeper: the leader is SIGKILLed, another leads, the agent "
    "and the framework follow it, and the task runs on to its end") {
  auto* server = shared_server();
  if (server == nullptr)
    return;
  auto dir = *runtime::testing::make_temporary_directory("zk-failover");
  zk_masters group(*server, "/three", 3);
  auto& url = group.url;
  auto& masters = group.masters;
  auto first = group.await_leader();

  auto agent = test::start_mensa(
      {"agent", "--port=0", "--logging_level=warning", "--master=" + url,
       "--zk_session_timeout=2s", "--work_dir=" + dir + "/agent",
       "--resources=cpus:2;mem:512;disk:100;ports:[31000-31010]"});
  REQUIRE(agent.wait_for_line("agent: listening at ", generous));
  auto info = test::make_framework("follower");
  info.set_failover_timeout(3600);
  info.set_checkpoint(true);
  framework_here f(runtime::address{}, info);
  common::master_detector follows(
      url_of(*server, "/three"), 2000ms,
      common::follow_in<test::test_scheduler>(
          runtime::process_handle::find(*f.node, "framework")));
  auto go = dir + "/go";
  f.launch({{"t", "while [ ! -e " + go + " ]; do sleep 0.05; done; echo finished"}});
  REQUIRE(f.reaches("t", v1::TASK_RUNNING));
  auto agent_id = f.log.last_update_of("t").agent_id().value();
  auto subscriptions = f.log.subscriptions();

  masters[first].process.signal(SIGKILL);
  REQUIRE(masters[first].process.wait(generous));
  // Once the killed leader's session times out, another is elected.
  group.await_leader(masters[first].address);
  REQUIRE(
      f.log.wait_for([&] { return f.log.subscriptions() > subscriptions; }, generous));

  // The task's end travels through the new leader: the agent followed too.
  f.let_finish("t", go, agent_id);
  CHECK(f.log.errors().empty());
  for (auto& m : masters)
    m.process.signal(SIGTERM);
  agent.signal(SIGTERM);
}

TEST_CASE(
    "a leading master whose ZooKeeper membership ends steps down: it exits with "
    "status 1, saying so, another master leads, and operator commands find it") {
  auto* server = shared_server();
  if (server == nullptr)
    return;
  zk_masters group(*server, "/stepdown", 2);
  auto& url = group.url;
  auto& masters = group.masters;
  auto first = group.await_leader();

  auto session = runtime::zookeeper_session::start(server->servers(), 2000ms, {});
  REQUIRE(session);
  REQUIRE((*session)->wait_connected(generous));
  auto names = (*session)->children("/stepdown", false);
  REQUIRE(names);
  auto leading = common::leading_member(*names);
  REQUIRE(leading);
  REQUIRE((*session)->remove("/stepdown/" + *leading));

  auto said = masters[first].process.wait_for_line("master: stepping down: ", generous);
  REQUIRE(said);
  CHECK(said->find("is gone") != std::string::npos);
  auto code = masters[first].process.wait(generous);
  REQUIRE(code);
  CHECK(*code == 1);
  auto other = 1 - first;
  REQUIRE(masters[other].process.wait_for_line("master: leading at ", generous));

  // An operator command finds the leader through the same URL.
  auto weights = test::start_mensa({"weights", "--master=" + url, "--set=ops=2"});
  auto weights_code = weights.wait(generous);
  REQUIRE(weights_code);
  CHECK(*weights_code == 0);
  auto nobody = test::start_mensa({"weights", "--master=" + server->url("/nobody")});
  auto nobody_code = nobody.wait(generous);
  REQUIRE(nobody_code);
  CHECK(*nobody_code == 1);
  masters[other].process.signal(SIGTERM);
}

TEST_CASE(
    "a leading master cut off from ZooKeeper for its session timeout steps down: "
    "another master may lead by then") {
  if (auto why = runtime::testing::zookeeper_server::missing(); !why.empty()) {
    MESSAGE("skipped: " << why);
    return;
  }
  // A server of its own: this test kills it.
  auto server = runtime::testing::zookeeper_server::start(generous);
  REQUIRE_MESSAGE(server, (server ? "" : server.error().message));
  auto master = start_zk_master(server->url("/cutoff"));
  REQUIRE(master.process.wait_for_line("master: leading at ", generous));
  server->kill();
  auto said = master.process.wait_for_line("master: stepping down: ", generous);
  REQUIRE(said);
  CHECK(said->find("cut off from ZooKeeper") != std::string::npos);
  auto code = master.process.wait(generous);
  REQUIRE(code);
  CHECK(*code == 1);
}

TEST_CASE(
    "a standby master redirects HTTP clients to the leader, as Mesos's do: 307 with "
    "Location //leader/path for the APIs and /master/... paths, health answered "
    "itself") {
  auto* server = shared_server();
  if (server == nullptr)
    return;
  zk_masters group(*server, "/redirect", 2);
  auto leading = group.await_leader();
  const auto& leader = group.masters[leading].address;
  const auto& standby = group.masters[1 - leading].address;
  // The standby learns who leads through its own detector, and says so.
  REQUIRE(group.masters[1 - leading].process.wait_for_line(
      "master: the leader is " + leader.str(), generous));
  auto client = runtime::testing::http_client::connect(standby.port());
  REQUIRE(client);
  auto expected_base = "//" + std::string(leader.endpoint());
  auto redirected = [&](std::string_view method, std::string_view target) {
    auto reply = (*client)->request(method, target, "{}",
                                    {{"Content-Type", "application/json"}});
    REQUIRE_MESSAGE(reply, (reply ? "" : reply.error().message));
    return *reply;
  };
  for (auto target :
       {"/master/state", "/state", "/master/tasks", "/api/v1", "/api/v1/scheduler"}) {
    auto reply = redirected("POST", target);
    CHECK_MESSAGE(reply.status == 307, target);
    CHECK(reply.header("Location") == expected_base + target);
  }
  auto bookmark = redirected("GET", "/master/redirect");
  CHECK(bookmark.status == 307);
  CHECK(bookmark.header("Location") == expected_base);
  CHECK(redirected("GET", "/master/health").status == 200);
  CHECK(redirected("GET", "/health").status == 200);

  // The leader's /master/redirect names itself; its API answers.
  auto at_leader = runtime::testing::http_client::connect(leader.port());
  REQUIRE(at_leader);
  auto self = (*at_leader)->request("GET", "/master/redirect");
  REQUIRE(self);
  CHECK(self->status == 307);
  CHECK(self->header("Location") == expected_base);
  auto health = (*at_leader)
                    ->request("POST", "/api/v1", R"({"type":"GET_HEALTH"})",
                              {{"Content-Type", "application/json"}});
  REQUIRE(health);
  CHECK(health->status == 200);
  for (auto& m : group.masters)
    m.process.signal(SIGTERM);
}
