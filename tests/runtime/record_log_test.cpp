// The durable record log: what a crash can leave behind, and what it cannot.

#include "runtime/record_log.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "runtime/testing/temporary_directory.hpp"

using mensa::runtime::record_log;

namespace {

std::string fresh_directory() {
  auto dir = mensa::runtime::testing::make_temporary_directory("record-log");
  REQUIRE(dir);
  return *dir;
}

record_log open_log(const std::string& dir, record_log::contents& found) {
  auto log = record_log::open(dir, found);
  REQUIRE_MESSAGE(log, (log ? "" : log.error().message));
  return std::move(*log);
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Appends `records` to a new log in `dir`; returns the log file's bytes.
std::string log_of(const std::string& dir, const std::vector<std::string>& records) {
  record_log::contents found;
  auto log = open_log(dir, found);
  for (auto& r : records)
    CHECK(log.append(r));
  return file_bytes(dir + "/log");
}

}  // namespace

TEST_CASE("records come back in order after a reopen, and after a compaction") {
  auto dir = fresh_directory();
  record_log::contents found;
  {
    auto log = open_log(dir, found);
    CHECK(found.snapshot.empty());
    CHECK(found.records.empty());
    CHECK(log.append("one"));
    CHECK(log.append(std::string("two\0bytes", 9)));
    CHECK(log.append(""));
    CHECK(log.records_since_snapshot() == 3);
  }
  {
    auto log = open_log(dir, found);
    CHECK(found.records ==
          std::vector<std::string>{"one", std::string("two\0bytes", 9), ""});
    CHECK(found.dropped_bytes == 0);
    CHECK(log.compact("state after three"));
    CHECK(log.records_since_snapshot() == 0);
    CHECK(log.append("four"));
  }
  auto log = open_log(dir, found);
  CHECK(found.snapshot == "state after three");
  CHECK(found.records == std::vector<std::string>{"four"});
  std::filesystem::remove_all(dir);
}

TEST_CASE("a record torn by a crash is dropped, cut off, and the log goes on") {
  auto dir = fresh_directory();
  record_log::contents found;
  auto whole = log_of(dir, {"kept", "torn in the middle"});
  // The log's number (8 bytes framed), then "kept" framed.
  auto kept_size = std::size_t{16 + 8 + 4};
  // Every place a crash can stop the second append: in its header, in its
  // bytes, or after its length with the rest unwritten (zeros).
  for (auto size : {kept_size + 1, kept_size + 7, kept_size + 8, whole.size() - 1}) {
    CAPTURE(size);
    write_bytes(dir + "/log", whole.substr(0, size));
    {
      auto log = open_log(dir, found);
      CHECK(found.records == std::vector<std::string>{"kept"});
      CHECK(found.dropped_bytes == size - kept_size);
      CHECK(file_bytes(dir + "/log").size() == kept_size);
    }
  }
  auto zeros = whole;
  std::fill(zeros.begin() + static_cast<long>(kept_size) + 8, zeros.end(), '\0');
  write_bytes(dir + "/log", zeros);
  {
    auto log = open_log(dir, found);
    CHECK(found.records == std::vector<std::string>{"kept"});
    CHECK(log.append("after"));
  }
  open_log(dir, found);
  CHECK(found.records == std::vector<std::string>{"kept", "after"});
  std::filesystem::remove_all(dir);
}

TEST_CASE("a damaged record with records after it fails the open, naming where") {
  auto dir = fresh_directory();
  record_log::contents found;
  auto bytes = log_of(dir, {"first", "second"});
  bytes[16 + 8] = 'F';  // inside "first", after the log's number
  write_bytes(dir + "/log", bytes);
  auto log = record_log::open(dir, found);
  REQUIRE_FALSE(log);
  CHECK(log.error().message.find("damaged at byte 16") != std::string::npos);
  // Nothing was cut off: the operator can look at what is there.
  CHECK(file_bytes(dir + "/log") == bytes);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a damaged snapshot fails the open") {
  auto dir = fresh_directory();
  record_log::contents found;
  {
    auto log = open_log(dir, found);
    CHECK(log.compact("snapshot"));
  }
  auto bytes = file_bytes(dir + "/snapshot");
  write_bytes(dir + "/snapshot", bytes.substr(0, bytes.size() - 1));
  auto log = record_log::open(dir, found);
  REQUIRE_FALSE(log);
  CHECK(log.error().message.find("snapshot") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a log that cannot be made says why") {
  record_log::contents found;
  auto log = record_log::open("/proc/mensa-cannot-be-here", found);
  REQUIRE_FALSE(log);
  CHECK(log.error().message.find("/proc/mensa-cannot-be-here") != std::string::npos);
}
