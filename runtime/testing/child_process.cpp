#include "runtime/testing/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

extern char** environ;

namespace mensa::runtime::testing {

namespace {

using clock = std::chrono::steady_clock;

int remaining_ms(clock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// The caller's environment with the `NAME=value` entries of `overrides`
// added or in place of the caller's.
std::vector<std::string> environment_with(const std::vector<std::string>& overrides) {
  auto name_of = [](std::string_view entry) {
    return entry.substr(0, entry.find('='));
  };
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view kept(*entry);
    auto overridden = std::any_of(overrides.begin(), overrides.end(),
                                  [&](auto& o) { return name_of(o) == name_of(kept); });
    if (!overridden)
      result.emplace_back(kept);
  }
  result.insert(result.end(), overrides.begin(), overrides.end());
  return result;
}

std::vector<char*> pointers_to(const std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (auto& s : strings)
    result.push_back(const_cast<char*>(s.c_str()));
  result.push_back(nullptr);
  return result;
}

}  // namespace

expected<child_process> child_process::start(
    const std::vector<std::string>& argv, const std::vector<std::string>& environment) {
  if (argv.empty())
    return failure{"no program to start"};
  int out[2];
  int in[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0)
    return failure{std::string("pipe: ") + std::strerror(errno)};
  auto args = pointers_to(argv);
  auto env = environment_with(environment);
  auto envp = pointers_to(env);
  child_process child;
  child.pid_ = fork();
  if (child.pid_ == 0) {
    // In the child, async-signal-safe calls only. It dies with the test
    // (or benchmark) that started it, even when that one crashes.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out[1], STDOUT_FILENO);
    dup2(in[0], STDIN_FILENO);
    execvpe(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  close(in[0]);
  if (child.pid_ < 0) {
    close(out[0]);
    close(in[1]);
    child.pid_ = -1;
    return failure{"cannot start " + argv[0] + ": " + std::strerror(errno)};
  }
  child.stdout_ = out[0];
  child.stdin_ = in[1];
  child.pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, child.pid_, 0));
  return child;
}

child_process::child_process(child_process&& other) noexcept {
  *this = std::move(other);
}

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
    stdout_ = std::exchange(other.stdout_, -1);
    stdin_ = std::exchange(other.stdin_, -1);
    reaped_ = std::exchange(other.reaped_, true);
    buffer_ = std::move(other.buffer_);
    lines_ = std::move(other.lines_);
  }
  return *this;
}

child_process::~child_process() {
  release();
}

void child_process::release() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    // Resume a stopped child so that the kill takes effect.
    ::kill(pid_, SIGCONT);
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
  }
  for (int* fd : {&pidfd_, &stdout_, &stdin_})
    if (*fd >= 0) {
      close(*fd);
      *fd = -1;
    }
}

bool child_process::read_more(std::chrono::milliseconds timeout) {
  if (stdout_ < 0)
    return false;
  pollfd p{stdout_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
    return false;
  char chunk[4096];
  auto n = read(stdout_, chunk, sizeof(chunk));
  if (n <= 0) {
    close(stdout_);
    stdout_ = -1;
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  for (auto end = buffer_.find('\n'); end != std::string::npos;
       end = buffer_.find('\n')) {
    lines_.push_back(buffer_.substr(0, end));
    buffer_.erase(0, end + 1);
  }
  return true;
}

expected<std::string> child_process::wait_for_line(std::string_view prefix,
                                                   std::chrono::milliseconds timeout) {
  auto found = wait_for_matching_line(
      [&](std::string_view line) { return line.substr(0, prefix.size()) == prefix; },
      prefix, timeout);
  if (!found)
    return found;
  return found->substr(prefix.size());
}

expected<std::string> child_process::wait_for_line_containing(
    std::string_view text, std::chrono::milliseconds timeout) {
  return wait_for_matching_line(
      [&](std::string_view line) { return line.find(text) != std::string_view::npos; },
      text, timeout);
}

expected<std::string> child_process::wait_for_matching_line(
    const std::function<bool(std::string_view)>& matches, std::string_view what,
    std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::size_t checked = 0;
  for (;;) {
    for (; checked < lines_.size(); ++checked)
      if (matches(lines_[checked]))
        return lines_[checked];
    if (stdout_ < 0)
      return failure{"the program closed its output before printing '" +
                     std::string(what) + "'"};
    if (remaining_ms(deadline) == 0)
      return failure{"timed out waiting for '" + std::string(what) + "'"};
    read_more(std::chrono::milliseconds(remaining_ms(deadline)));
  }
}

void child_process::signal(int signal) {
  if (pid_ > 0 && !reaped_)
    ::kill(pid_, signal);
}

void child_process::close_stdin() {
  if (stdin_ >= 0) {
    close(stdin_);
    stdin_ = -1;
  }
}

expected<int> child_process::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0)
    return failure{"no program"};
  if (!reaped_) {
    pollfd p{pidfd_, POLLIN, 0};
    if (pidfd_ >= 0 && poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
      return failure{"timed out waiting for the program to end"};
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_)
      return failure{std::string("waitpid: ") + std::strerror(errno)};
    reaped_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // Keep whatever it printed before it ended.
  while (read_more(std::chrono::milliseconds(0))) {
  }
  return exit_code_;
}

std::string executable_directory() {
  char path[PATH_MAX];
  auto n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0)
    return ".";
  std::string full(path, static_cast<std::size_t>(n));
  return full.substr(0, full.rfind('/'));
}

}  // namespace mensa::runtime::testing
