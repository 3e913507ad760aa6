// The ZooKeeper client and the registry's log in ZooKeeper, against a real
// ZooKeeper server the tests start (Debian's zookeeperd). Without one
// installed, the server tests say so and skip.

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>

#include "runtime/testing/zookeeper_server.hpp"
#include "runtime/zookeeper.hpp"
#include "runtime/zookeeper_log.hpp"

using namespace mensa::runtime;
using namespace std::chrono_literals;

namespace {

testing::zookeeper_server* shared_server() {
  auto server = testing::zookeeper_server::shared();
  if (!server)
    MESSAGE("skipped: " << server.error().message);
  return server ? *server : nullptr;
}

std::shared_ptr<zookeeper_session> connect(const testing::zookeeper_server& server) {
  auto session = zookeeper_session::start(server.servers(), 10s, {});
  REQUIRE_MESSAGE(session, (session ? "" : session.error().message));
  REQUIRE((*session)->wait_connected(60s));
  return std::shared_ptr<zookeeper_session>(std::move(*session));
}

// A fence znode (standing for a leader's member znode) under `path`.
std::string make_fence(zookeeper_session& zk, const std::string& path) {
  REQUIRE(zk.create_path(path));
  auto fence = zk.create(path + "/fence", "", true, false);
  REQUIRE_MESSAGE(fence, (fence ? "" : fence.error().message));
  return *fence;
}

std::unique_ptr<zookeeper_log> open_log(std::shared_ptr<zookeeper_session> zk,
                                        const std::string& path,
                                        const std::string& fence,
                                        durable_log::contents& found) {
  auto log = zookeeper_log::open(std::move(zk), path, fence, found);
  REQUIRE_MESSAGE(log, (log ? "" : log.error().message));
  return std::move(*log);
}

// What a leader holds for its log under `path`: a session, its fence
// znode, and what the last `open` found.
struct leader_of_log {
  leader_of_log(const testing::zookeeper_server& server, const std::string& path)
      : zk(connect(server)),
        fence(make_fence(*zk, path)),
        registry(path + "/registry") {}

  std::unique_ptr<zookeeper_log> open() { return open_log(zk, registry, fence, found); }

  std::shared_ptr<zookeeper_session> zk;
  std::string fence;
  std::string registry;
  durable_log::contents found;
};

}  // namespace

TEST_CASE("a ZooKeeper URL names servers and a path, and a malformed one says why") {
  auto url = zookeeper_url::parse("zk://10.0.0.1:2181,10.0.0.2:2181/mensa/prod/");
  REQUIRE(url);
  CHECK(url->servers == "10.0.0.1:2181,10.0.0.2:2181");
  CHECK(url->path == "/mensa/prod");
  CHECK(url->str() == "zk://10.0.0.1:2181,10.0.0.2:2181/mensa/prod");
  CHECK(zookeeper_url::names_one("zk://x"));
  CHECK_FALSE(zookeeper_url::names_one("127.0.0.1:5050"));
  for (auto* bad : {"127.0.0.1:2181/mensa", "zk://127.0.0.1:2181",
                    "zk://127.0.0.1:2181/", "zk:///mensa", "zk://127.0.0.1/mensa",
                    "zk://h:2181,/mensa", "zk://h:21x1/mensa", "zk://h:2181/a//b"}) {
    auto parsed = zookeeper_url::parse(bad);
    CHECK_FALSE_MESSAGE(parsed, bad);
    if (!parsed)
      CHECK(parsed.error().message.find(std::string("'") + bad + "'") !=
            std::string::npos);
  }
}

TEST_CASE(
    "the log in ZooKeeper keeps records in order across a reopening, flushed "
    "together by one sync") {
  auto* server = shared_server();
  if (server == nullptr)
    return;
  leader_of_log t(*server, "/order");
  auto log = t.open();
  CHECK(t.found.snapshot.empty());
  CHECK(t.found.records.empty());
  REQUIRE(log->append("one"));
  REQUIRE(log->write("two"));
  REQUIRE(log->write(std::string(1000, 'x')));
  CHECK(log->unsynced());
  REQUIRE(log->sync());
  CHECK_FALSE(log->unsynced());
  // One znode per sync, not per record.
  auto nodes = t.zk->children("/order/registry", false);
  REQUIRE(nodes);
  CHECK(nodes->size() == 2);

  auto again = t.open();
  REQUIRE(t.found.records.size() == 3);
  CHECK(t.found.records[0] == "one");
  CHECK(t.found.records[1] == "two");
  CHECK(t.found.records[2] == std::string(1000, 'x'));
  CHECK(again->records_since_snapshot() == 3);
}

TEST_CASE("the log in ZooKeeper writes nothing once its fence is gone") {
  auto* server = shared_server();
  if (server == nullptr)
    return;
  leader_of_log t(*server, "/fenced");
  auto log = t.open();
  REQUIRE(log->append("kept"));
  // Another process removes the fence: this one no longer leads.
  auto other = connect(*server);
  REQUIRE(other->remove(t.fence));
  auto refused = log->append("too late");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("no longer leads") != std::string::npos);
  auto fresh = make_fence(*other, "/fenced");
  open_log(other, t.registry, fresh, t.found);
  REQUIRE(t.found.records.size() == 1);
  CHECK(t.found.records[0] == "kept");
}

TEST_CASE(
    "the log in ZooKeeper compacts into a snapshot in chunks and removes what "
    "it replaced") {
  auto* server = shared_server();
  if (server == nullptr)
    return;
  leader_of_log t(*server, "/compact");
  auto log = t.open();
  for (int i = 0; i < 70; ++i)
    REQUIRE(log->append("record " + std::to_string(i)));
  CHECK(log->compaction_due(0));
  // Larger than a znode holds: three chunks.
  std::string snapshot;
  for (std::size_t i = 0; snapshot.size() < 2 * zookeeper_max_data + 1000; ++i)
    snapshot += std::to_string(i) + ",";
  REQUIRE(log->write("folded into the snapshot"));
  REQUIRE(log->compact(snapshot));
  CHECK_FALSE(log->unsynced());
  CHECK(log->records_since_snapshot() == 0);
  REQUIRE(log->append("after"));
  auto nodes = t.zk->children("/compact/registry", false);
  REQUIRE(nodes);
  CHECK(nodes->size() == 2);  // The snapshot and one batch.

  t.open();
  CHECK(t.found.snapshot == snapshot);
  REQUIRE(t.found.records.size() == 1);
  CHECK(t.found.records[0] == "after");
}

TEST_CASE(
    "a snapshot cut short in ZooKeeper is ignored: the records it would have "
    "replaced still count") {
  auto* server = shared_server();
  if (server == nullptr)
    return;
  leader_of_log t(*server, "/torn");
  auto log = t.open();
  REQUIRE(log->append("before"));
  // What a crash between a snapshot's header and its last chunk leaves.
  auto header = t.zk->create("/torn/registry/snapshot-", "2", false, true);
  REQUIRE(header);
  REQUIRE(t.zk->create(*header + "/chunk-0", "half", false, false));
  REQUIRE(log->append("after"));

  t.open();
  CHECK(t.found.snapshot.empty());
  REQUIRE(t.found.records.size() == 2);
  CHECK(t.found.records[0] == "before");
  CHECK(t.found.records[1] == "after");
  auto gone = t.zk->get(*header, false);
  REQUIRE(gone);
  CHECK_FALSE(gone->has_value());
}

TEST_CASE("the log in ZooKeeper refuses a record larger than a znode holds") {
  auto* server = shared_server();
  if (server == nullptr)
    return;
  leader_of_log t(*server, "/large");
  auto log = t.open();
  auto refused = log->append(std::string(zookeeper_max_data, 'x'));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("does not fit a znode") != std::string::npos);
  CHECK_FALSE(log->unsynced());
}
