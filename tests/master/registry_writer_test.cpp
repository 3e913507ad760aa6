// The master's registry writer: answers wait for the disk, and a burst of
// operations shares one flush (group commit).

#include "actors/master/registry_writer.hpp"

#include <doctest/doctest.h>

#include <deque>
#include <string>
#include <vector>

#include "runtime/testing/faulty_file_system.hpp"

using namespace mensa;
using master::registry;
using master::registry_writer;
using mensa::runtime::testing::faulty_file_system;

namespace {

internal::RegistryOperation admit(const std::string& id) {
  v1::AgentInfo info;
  info.mutable_id()->set_value(id);
  info.set_hostname(id + ".example");
  return registry::admission(info);
}

/// A writer on an in-memory disk, with its deferred and delayed functions
/// queued here for the test to run when it chooses.
struct fixture {
  faulty_file_system fs;
  std::deque<std::function<void()>> deferred;
  std::deque<std::pair<runtime::duration, std::function<void()>>> delayed;
  std::vector<std::string> log;
  std::vector<std::string> answered;

  registry_writer make(registry kept) {
    return registry_writer(
        std::move(kept),
        registry_writer::environment{
            [this](std::function<void()> fn) { deferred.push_back(std::move(fn)); },
            [this](runtime::duration d, std::function<void()> fn) {
              delayed.emplace_back(d, std::move(fn));
            },
            [this](runtime::log_level, const std::string& line) {
              log.push_back(line);
            }});
  }

  registry_writer on_disk() {
    auto kept = registry::recover("/registry", fs);
    REQUIRE_MESSAGE(kept, (kept ? "" : kept.error().message));
    return make(std::move(*kept));
  }

  /// What a master recovering after a crash now would find.
  std::size_t agents_after_crash() {
    fs.crash();
    auto kept = registry::recover("/registry", fs);
    REQUIRE_MESSAGE(kept, (kept ? "" : kept.error().message));
    return kept->agents().size();
  }

  void run_deferred() {
    auto queued = std::move(deferred);
    deferred.clear();
    for (auto& fn : queued)
      fn();
  }
};

}  // namespace

TEST_CASE(
    "deferred operations share one flush, and what waits for it runs after it, in "
    "order") {
  fixture f;
  auto writer = f.on_disk();
  for (auto id : {"S1", "S2", "S3"}) {
    REQUIRE(writer.keep(admit(id), std::string("agent ") + id, true));
    writer.when_durable([&f, id] { f.answered.push_back(id); });
  }
  CHECK(f.answered.empty());
  CHECK(writer.waiting() == 3);
  CHECK(f.deferred.size() == 1);  // one flush for the three
  f.run_deferred();
  CHECK(f.answered == std::vector<std::string>{"S1", "S2", "S3"});
  CHECK(writer.waiting() == 0);
  CHECK(f.agents_after_crash() == 3);
}

TEST_CASE(
    "a crash before the group's flush loses its operations, and no one was answered") {
  fixture f;
  auto writer = f.on_disk();
  REQUIRE(writer.keep(admit("S1"), "agent S1", true));
  writer.when_durable([&f] { f.answered.push_back("S1"); });
  CHECK(writer.kept().agents().size() == 1);
  CHECK(f.answered.empty());
  CHECK(f.agents_after_crash() == 0);
}

TEST_CASE(
    "an operation kept at once is on disk when keep returns, and releases what waits") {
  fixture f;
  auto writer = f.on_disk();
  REQUIRE(writer.keep(admit("S1"), "agent S1", true));
  writer.when_durable([&f] { f.answered.push_back("S1"); });
  REQUIRE(writer.keep(admit("S2"), "agent S2"));
  CHECK(f.answered == std::vector<std::string>{"S1"});
  CHECK(f.agents_after_crash() == 2);
}

TEST_CASE("with nothing unflushed and nothing waiting, a function runs at once") {
  fixture f;
  auto writer = f.on_disk();
  writer.when_durable([&f] { f.answered.push_back("now"); });
  CHECK(f.answered == std::vector<std::string>{"now"});
  CHECK(f.deferred.empty());
}

TEST_CASE("a failed flush keeps everything waiting and tries again a second later") {
  fixture f;
  auto writer = f.on_disk();
  REQUIRE(writer.keep(admit("S1"), "agent S1", true));
  writer.when_durable([&f] { f.answered.push_back("S1"); });
  f.fs.fail_next(faulty_file_system::operation::sync);
  f.run_deferred();
  CHECK(f.answered.empty());
  REQUIRE(f.delayed.size() == 1);
  CHECK(f.delayed.front().first == std::chrono::seconds(1));
  REQUIRE(f.log.size() == 1);
  CHECK(f.log.front().find("cannot flush the registry") == 0);
  // More operations meanwhile join the retry instead of flushing apart.
  REQUIRE(writer.keep(admit("S2"), "agent S2", true));
  writer.when_durable([&f] { f.answered.push_back("S2"); });
  CHECK(f.deferred.empty());
  f.delayed.front().second();
  CHECK(f.answered == std::vector<std::string>{"S1", "S2"});
  CHECK(f.agents_after_crash() == 2);
}

TEST_CASE("an operation the disk refuses is not kept, and the caller hears why") {
  fixture f;
  auto writer = f.on_disk();
  f.fs.fail_next(faulty_file_system::operation::write);
  auto kept = writer.keep(admit("S1"), "agent S1", true);
  REQUIRE_FALSE(kept);
  CHECK(kept.error().message.find("cannot keep agent S1 in the registry: ") == 0);
  CHECK(writer.kept().agents().empty());
  CHECK(f.deferred.empty());
}

TEST_CASE("an in-memory registry has nothing to flush: what waits runs at once") {
  fixture f;
  auto writer = f.make(registry{});
  REQUIRE(writer.keep(admit("S1"), "agent S1", true));
  writer.when_durable([&f] { f.answered.push_back("S1"); });
  f.run_deferred();
  CHECK(f.answered == std::vector<std::string>{"S1"});
}
