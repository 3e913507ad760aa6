// runtime::testing::child_process: a real program started the way the
// cross-process tests and the benchmarks start theirs.

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/testing/child_process.hpp"

using namespace std::chrono_literals;
using mensa::runtime::testing::child_process;

namespace {

// Starts a shell that prints MENSA_CHILD_TEST and HOME, with `environment`.
child_process start_printer(const std::vector<std::string>& environment) {
  auto child = child_process::start(
      {"/bin/sh", "-c", "echo \"value: $MENSA_CHILD_TEST\"; echo \"home: $HOME\""},
      environment);
  REQUIRE(child);
  return std::move(*child);
}

}  // namespace

TEST_CASE("a started program inherits the caller's environment") {
  setenv("MENSA_CHILD_TEST", "the caller's", 1);
  auto child = start_printer({});
  auto value = child.wait_for_line("value: ", 30s);
  REQUIRE(value);
  CHECK(*value == "the caller's");
  unsetenv("MENSA_CHILD_TEST");
}

TEST_CASE("a variable given to a started program replaces the caller's, and only it") {
  const char* caller_home = std::getenv("HOME");
  std::string kept_home = caller_home != nullptr ? caller_home : "";
  setenv("MENSA_CHILD_TEST", "the caller's", 1);
  setenv("HOME", "/home/of/the/caller", 1);
  auto child = start_printer({"MENSA_CHILD_TEST=given"});
  auto value = child.wait_for_line("value: ", 30s);
  REQUIRE(value);
  CHECK(*value == "given");
  auto home = child.wait_for_line("home: ", 30s);
  REQUIRE(home);
  CHECK(*home == "/home/of/the/caller");
  unsetenv("MENSA_CHILD_TEST");
  if (caller_home != nullptr)
    setenv("HOME", kept_home.c_str(), 1);
  else
    unsetenv("HOME");
}
