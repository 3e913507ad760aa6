// The durable record log on a file system that fails: a write, a flush or a
// rename that fails, a full disk, and a crash that loses what was not
// flushed. Whatever happens, the log reopens whole, with every record that
// was reported durable.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "runtime/record_log.hpp"
#include "runtime/testing/faulty_file_system.hpp"

using mensa::runtime::record_log;
using mensa::runtime::testing::faulty_file_system;
using operation = faulty_file_system::operation;

namespace {

const std::string dir = "/cluster/meta";

record_log open_log(faulty_file_system& fs, record_log::contents& found) {
  auto log = record_log::open(dir, found, fs);
  REQUIRE_MESSAGE(log, (log ? "" : log.error().message));
  return std::move(*log);
}

// What the log holds when reopened (after a crash, if `crash`).
record_log::contents reopened(faulty_file_system& fs, bool crash = false) {
  if (crash)
    fs.crash();
  record_log::contents found;
  open_log(fs, found);
  return found;
}

}  // namespace

TEST_CASE("a write that fails is reported and leaves no torn record behind") {
  faulty_file_system fs;
  record_log::contents found;
  {
    auto log = open_log(fs, found);
    REQUIRE(log.append("before"));
    fs.fail_next(operation::write);
    auto failed = log.append("lost");
    REQUIRE_FALSE(failed);
    CHECK(failed.error().message.find("Input/output error") != std::string::npos);
    REQUIRE(log.append("after"));
  }
  auto back = reopened(fs);
  CHECK(back.records == std::vector<std::string>{"before", "after"});
  CHECK(back.dropped_bytes == 0);
  CHECK(reopened(fs, true).records == std::vector<std::string>{"before", "after"});
}

TEST_CASE(
    "a full disk fails the write that does not fit; with room again the log goes "
    "on") {
  faulty_file_system fs;
  record_log::contents found;
  {
    auto log = open_log(fs, found);
    fs.limit_space(40);
    REQUIRE(log.append("small"));
    auto full = log.append(std::string(100, 'x'));
    REQUIRE_FALSE(full);
    CHECK(full.error().message.find("No space left on device") != std::string::npos);
    CHECK_FALSE(log.append("still full"));
    fs.limit_space(std::nullopt);
    REQUIRE(log.append("room again"));
  }
  CHECK(reopened(fs, true).records == std::vector<std::string>{"small", "room again"});
  CHECK(fs.faults().full == 2);
}

TEST_CASE("a flush that fails is reported; records flushed later survive a crash") {
  faulty_file_system fs;
  record_log::contents found;
  {
    auto log = open_log(fs, found);
    REQUIRE(log.write("one"));
    fs.fail_next(operation::sync);
    CHECK_FALSE(log.sync());
    CHECK(log.unsynced());
    REQUIRE(log.append("two"));
    CHECK_FALSE(log.unsynced());
  }
  CHECK(reopened(fs, true).records == std::vector<std::string>{"one", "two"});
}

TEST_CASE("a crash loses what was written and not flushed, and nothing else") {
  faulty_file_system fs;
  record_log::contents found;
  {
    auto log = open_log(fs, found);
    REQUIRE(log.append("durable"));
    REQUIRE(log.write("in flight 1"));
    REQUIRE(log.write("in flight 2"));
    // No sync: the crash comes first.
  }
  auto back = reopened(fs, true);
  CHECK(back.records == std::vector<std::string>{"durable"});
  // The log goes on after the records the crash took.
  {
    auto log = open_log(fs, found);
    REQUIRE(log.append("next"));
  }
  CHECK(reopened(fs, true).records == std::vector<std::string>{"durable", "next"});
}

TEST_CASE(
    "a compaction that fails, at its rename or at a crash in its middle, loses "
    "nothing") {
  // A compaction renames twice (the snapshot, then a new log) and syncs
  // four times (each new file, then its directory).
  for (int step = 0; step < 6; ++step) {
    CAPTURE(step);
    faulty_file_system fs;
    record_log::contents found;
    {
      auto log = open_log(fs, found);
      REQUIRE(log.append("a"));
      REQUIRE(log.append("b"));
      if (step < 2)
        fs.fail_next(operation::rename, 1, step);
      else
        fs.fail_next(operation::sync, 1, step - 2);
      CHECK_FALSE(log.compact("a,b"));
    }
    // Whatever the compaction got to, a crash now leaves the same state: a
    // snapshot of a,b, or no snapshot and the records a,b.
    auto back = reopened(fs, true);
    if (back.snapshot.empty())
      CHECK(back.records == std::vector<std::string>{"a", "b"});
    else
      CHECK((back.snapshot == "a,b" && back.records.empty()));
  }
}

TEST_CASE("writes, flushes and renames failing at random never tear the log") {
  faulty_file_system fs(99);
  std::vector<std::string> durable;
  record_log::contents found;
  {
    auto log = open_log(fs, found);
    fs.fail_at_random(0.2);
    for (int i = 0; i < 300; ++i) {
      if (i % 50 == 49) {
        // The snapshot holds every record so far, separated by commas.
        std::string state;
        for (auto& r : durable)
          state += r + ",";
        static_cast<void>(log.compact(state));
        continue;
      }
      auto record = "r" + std::to_string(i);
      if (log.append(record))
        durable.push_back(record);
    }
    fs.fail_at_random(0);
  }
  auto back = reopened(fs, true);
  std::vector<std::string> recovered;
  for (std::size_t at = 0; at < back.snapshot.size();) {
    auto comma = back.snapshot.find(',', at);
    recovered.push_back(back.snapshot.substr(at, comma - at));
    at = comma + 1;
  }
  recovered.insert(recovered.end(), back.records.begin(), back.records.end());
  // Every record reported durable is there, in order (a record whose
  // write failed in its flush may be there too: it landed, unreported).
  std::size_t at = 0;
  for (auto& r : recovered)
    if (at < durable.size() && r == durable[at])
      ++at;
  CHECK(at == durable.size());
  auto faults = fs.faults();
  CHECK(faults.writes + faults.syncs + faults.renames > 20);
}
