#include "runtime/child_processes.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>

#include "runtime/testing/temporary_directory.hpp"

using namespace mensa::runtime;

namespace {

child_spec command(std::vector<std::string> argv) {
  child_spec spec;
  spec.argv = std::move(argv);
  spec.environment = {"PATH=/usr/bin:/bin"};
  return spec;
}

// Collects child exits from the loop thread.
struct exits {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<pid_t, child_exit> ended;

  child_processes::exit_callback callback() {
    return [this](pid_t pid, const child_exit& how) {
      std::lock_guard<std::mutex> guard(mutex);
      ended[pid] = how;
      changed.notify_all();
    };
  }

  child_exit wait(pid_t pid) {
    std::unique_lock<std::mutex> guard(mutex);
    REQUIRE(changed.wait_for(guard, std::chrono::seconds(30),
                             [&] { return ended.count(pid) > 0; }));
    return ended[pid];
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST_CASE("child processes start, write to files, and their ends are reported") {
  event_loop loop;
  child_processes children(loop);
  exits seen;
  auto dir = *testing::make_temporary_directory("children");
  auto ok =
      command({"/bin/sh", "-c", "echo out; echo err >&2; pwd; echo $GREETING; exit 3"});
  ok.environment.push_back("GREETING=hello");
  ok.working_directory = dir;
  ok.stdout_path = dir + "/stdout";
  ok.stderr_path = dir + "/stderr";
  auto pid = children.spawn(ok, seen.callback());
  REQUIRE(pid);
  auto how = seen.wait(*pid);
  CHECK(how.exited());
  CHECK(how.exit_code() == 3);
  CHECK(how.describe() == "exited with status 3");
  CHECK(slurp(dir + "/stdout") == "out\n" + dir + "\nhello\n");
  CHECK(slurp(dir + "/stderr") == "err\n");
}

TEST_CASE("a killed child reports its signal; a missing program is an error") {
  event_loop loop;
  child_processes children(loop);
  exits seen;
  auto sleeper = command({"sleep", "60"});
  auto pid = children.spawn(sleeper, seen.callback());
  REQUIRE(pid);
  // Blocked termination signals in the parent do not reach the child.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, nullptr);
  child_processes::signal_session(*pid, SIGTERM);
  auto how = seen.wait(*pid);
  pthread_sigmask(SIG_UNBLOCK, &term, nullptr);
  CHECK_FALSE(how.exited());
  CHECK(how.signal() == SIGTERM);
  CHECK(how.describe() == "terminated by signal SIGTERM");
  auto missing = children.spawn(command({"/no/such/program"}), seen.callback());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("cannot start '/no/such/program'") !=
        std::string::npos);
}

TEST_CASE("many children are all reaped") {
  event_loop loop;
  child_processes children(loop);
  exits seen;
  std::vector<pid_t> pids;
  for (int i = 0; i < 100; ++i) {
    auto pid = children.spawn(command({"true"}), seen.callback());
    REQUIRE(pid);
    pids.push_back(*pid);
  }
  for (auto pid : pids)
    CHECK(seen.wait(pid).exit_code() == 0);
}

TEST_CASE("a process that is not a child can be adopted: its end is reported") {
  event_loop loop;
  child_processes children(loop);
  exits seen;
  auto dir = *testing::make_temporary_directory("adopt");
  // The shell starts `sleep` and exits: `sleep` is an orphan, not ours.
  auto shell =
      children.spawn(command({"/bin/sh", "-c", "sleep 30 & echo $! > " + dir + "/pid"}),
                     seen.callback());
  REQUIRE(shell);
  seen.wait(*shell);
  auto orphan = static_cast<pid_t>(std::stoi(slurp(dir + "/pid")));
  auto started = child_processes::start_time(orphan);
  CHECK(started > 0);
  CHECK(child_processes::start_time(orphan) == started);
  REQUIRE(children.adopt(orphan, seen.callback()));
  ::kill(orphan, SIGKILL);
  CHECK(seen.wait(orphan).status == -1);
  CHECK_FALSE(children.adopt(orphan + 1'000'000, seen.callback()));
  CHECK(child_processes::start_time(-1) == 0);
}
