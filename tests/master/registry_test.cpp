// The master's registry: what it keeps across restarts, and crashes in the
// middle of keeping it.

#include "actors/master/registry.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "runtime/testing/temporary_directory.hpp"

using namespace mensa;
using master::registry;

namespace {

registry recover(const std::string& dir) {
  auto kept = registry::recover(dir);
  REQUIRE_MESSAGE(kept, (kept ? "" : kept.error().message));
  return std::move(*kept);
}

internal::RegistryOperation admit(const std::string& id, const std::string& host) {
  v1::AgentInfo info;
  info.mutable_id()->set_value(id);
  info.set_hostname(host);
  return registry::admission(info);
}

internal::RegistryOperation unreachable(const std::string& id, int64_t since_ns = 1) {
  return registry::unreachability(id, since_ns);
}

internal::RegistryOperation weights(const std::string& role, double weight) {
  internal::RegistryOperation op;
  auto* info = op.mutable_set_weights()->add_weights();
  info->set_role(role);
  info->set_weight(weight);
  return op;
}

std::string describe(const registry& r) {
  std::string out;
  for (auto& [id, agent] : r.agents())
    out += id + "@" + agent.info().hostname() + (agent.unreachable() ? "!" : "") + " ";
  for (auto& w : r.weights())
    out += w.role() + "=" + std::to_string(w.weight()) + " ";
  return out;
}

}  // namespace

TEST_CASE("an in-memory registry keeps nothing on disk and applies in order") {
  registry r;
  CHECK_FALSE(r.persistent());
  CHECK(r.apply(admit("a", "h1")));
  CHECK(r.apply(unreachable("a")));
  CHECK(describe(r) == "a@h1! ");
  CHECK(r.apply(admit("a", "h2")));  // readmitted: reachable again
  CHECK(describe(r) == "a@h2 ");
}

TEST_CASE("agents, their reachability and weights survive a restart") {
  auto dir = *runtime::testing::make_temporary_directory("registry");
  {
    auto r = recover(dir);
    CHECK(r.persistent());
    CHECK(r.agents().empty());
    CHECK(r.apply(admit("a", "h1")));
    CHECK(r.apply(admit("b", "h2")));
    CHECK(r.apply(admit("c", "h3")));
    CHECK(r.apply(unreachable("b")));
    CHECK(r.apply(registry::removal("c")));
    CHECK(r.apply(weights("prod", 3)));
  }
  auto r = recover(dir);
  CHECK(describe(r) == "a@h1 b@h2! prod=3.000000 ");
  REQUIRE(r.agent("b") != nullptr);
  CHECK(r.agent("c") == nullptr);
  std::filesystem::remove_all(dir);
}

TEST_CASE("deferred operations wait for one flush, and are kept like the others") {
  auto dir = *runtime::testing::make_temporary_directory("registry");
  {
    auto r = recover(dir);
    CHECK_FALSE(r.unsynced());
    CHECK(r.apply_deferred(admit("a", "h1")));
    CHECK(r.apply_deferred(admit("b", "h2")));
    CHECK(r.unsynced());
    CHECK(describe(r) == "a@h1 b@h2 ");
    CHECK(r.sync());
    CHECK_FALSE(r.unsynced());
    CHECK(r.apply_deferred(unreachable("b")));
    // A flushed operation flushes those before it.
    CHECK(r.apply(weights("prod", 3)));
    CHECK_FALSE(r.unsynced());
  }
  CHECK(describe(recover(dir)) == "a@h1 b@h2! prod=3.000000 ");
  std::filesystem::remove_all(dir);
}

TEST_CASE("the log is compacted into snapshots, never rewritten whole per change") {
  auto dir = *runtime::testing::make_temporary_directory("registry");
  std::string expected;
  {
    auto r = recover(dir);
    for (int i = 0; i < 300; ++i) {
      auto id = "agent-" + std::to_string(1000 + i);
      CHECK(r.apply(admit(id, "host")));
    }
    expected = describe(r);
  }
  // 300 operations left a snapshot and fewer than a snapshot's worth of
  // operations after it.
  CHECK(std::filesystem::exists(dir + "/snapshot"));
  CHECK(std::filesystem::file_size(dir + "/log") <
        std::filesystem::file_size(dir + "/snapshot"));
  CHECK(describe(recover(dir)) == expected);
  std::filesystem::remove_all(dir);
}

TEST_CASE("unreachable agents come longest unreachable first, since when kept") {
  auto dir = *runtime::testing::make_temporary_directory("registry");
  {
    auto r = recover(dir);
    for (auto id : {"a", "b", "c", "d"})
      CHECK(r.apply(admit(id, "host")));
    CHECK(r.apply(unreachable("c", 300)));
    CHECK(r.apply(unreachable("a", 100)));
    CHECK(r.apply(unreachable("d", 200)));
    // Back: reachable, and no longer aging.
    CHECK(r.apply(admit("d", "host")));
    // Enough operations after them for a compaction: the snapshot holds
    // the times, not only the log.
    for (int i = 0; i < 300; ++i)
      CHECK(r.apply(admit("agent-" + std::to_string(1000 + i), "host")));
  }
  REQUIRE(std::filesystem::exists(dir + "/snapshot"));
  auto r = recover(dir);
  auto unreachable_agents = r.unreachable_agents();
  REQUIRE(unreachable_agents.size() == 2);
  CHECK(unreachable_agents[0].id == "a");
  CHECK(unreachable_agents[0].since_ns == 100);
  CHECK(unreachable_agents[1].id == "c");
  CHECK(unreachable_agents[1].since_ns == 300);
  REQUIRE(r.agent("a") != nullptr);
  CHECK(r.agent("a")->unreachable_time().nanoseconds() == 100);
  CHECK_FALSE(r.agent("d")->has_unreachable_time());
  std::filesystem::remove_all(dir);
}

TEST_CASE("a crash between a compaction's two renames loses and repeats nothing") {
  auto dir = *runtime::testing::make_temporary_directory("registry");
  auto stale_log = dir + "/stale-log";
  std::string expected;
  {
    auto r = recover(dir);
    // Up to one operation short of the first compaction.
    for (int i = 0; i < 63; ++i)
      CHECK(r.apply(admit("agent-" + std::to_string(100 + i), "host")));
    std::filesystem::copy_file(dir + "/log", stale_log);
    CHECK(r.apply(unreachable("agent-100")));               // this one compacts
    CHECK(std::filesystem::file_size(dir + "/log") == 16);  // just its number
    expected = describe(r);
  }
  // The new snapshot landed, the emptied log did not: the old operations
  // are replayed over a snapshot that already holds them.
  std::filesystem::rename(stale_log, dir + "/log");
  CHECK(describe(recover(dir)) == expected);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a damaged registry is refused with the reason") {
  auto dir = *runtime::testing::make_temporary_directory("registry");
  {
    auto r = recover(dir);
    CHECK(r.apply(admit("a", "h1")));
    CHECK(r.apply(admit("b", "h2")));
  }
  {
    std::fstream log(dir + "/log", std::ios::in | std::ios::out | std::ios::binary);
    log.seekp(16 + 8 + 1);  // inside the first operation
    log.put('\x7f');
  }
  auto kept = registry::recover(dir);
  REQUIRE_FALSE(kept);
  CHECK(kept.error().message.find("damaged") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "an agent marked gone leaves the admitted ones and stays gone across restarts") {
  auto dir = *runtime::testing::make_temporary_directory("registry");
  {
    auto r = recover(dir);
    CHECK(r.apply(admit("a", "h1")));
    CHECK(r.apply(admit("b", "h2")));
    CHECK(r.apply(unreachable("b")));
    CHECK(r.apply(registry::gone_marking("a", 100)));
    CHECK(r.apply(registry::gone_marking("b", 200)));
    CHECK(r.gone("a"));
    CHECK(r.agents().empty());
  }
  {
    // Recovered from the log.
    auto r = recover(dir);
    CHECK(r.gone("a"));
    CHECK(r.gone("b"));
    CHECK_FALSE(r.gone("c"));
    CHECK_FALSE(r.contains("a"));
    // Enough operations for a compaction: the snapshot keeps them too.
    for (int i = 0; i < 300; ++i)
      CHECK(r.apply(admit("agent-" + std::to_string(1000 + i), "host")));
  }
  REQUIRE(std::filesystem::exists(dir + "/snapshot"));
  auto r = recover(dir);
  CHECK(r.gone("a"));
  CHECK(r.gone("b"));
  auto kept = r.snapshot();
  REQUIRE(kept.gone_agents_size() == 2);
  CHECK(kept.gone_agents(1).gone_time().nanoseconds() == 200);
  std::filesystem::remove_all(dir);
}
