#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/event_loop.hpp"
#include "runtime/expected.hpp"

namespace mensa::runtime {

/// A program to start as a child process.
struct child_spec {
  /// The program and its arguments; argv[0] is a path or a name looked up
  /// in PATH.
  std::vector<std::string> argv;
  /// The child's whole environment, as `NAME=value` entries.
  std::vector<std::string> environment;
  /// Where the child starts; empty for the parent's directory.
  std::string working_directory;
  /// Files the child's stdout and stderr are appended to; empty for
  /// /dev/null.
  std::string stdout_path;
  std::string stderr_path;

  /// Which process group the child gets.
  enum class grouping {
    /// A new session (and group): a container of its own.
    new_session,
    /// A new group in the parent's session: killable without the parent.
    new_group,
  };
  grouping group = grouping::new_session;
};

/// How a child process ended.
struct child_exit {
  /// As waitpid reported it.
  int status = 0;

  /// Returns whether it exited (rather than being killed by a signal).
  bool exited() const noexcept;
  /// Returns the exit code, if it exited.
  int exit_code() const noexcept;
  /// Returns the signal that killed it, if one did.
  int signal() const noexcept;
  /// Returns "exited with status N" or "terminated by signal SIGX".
  std::string describe() const;
};

/// Starts child processes and reaps them on an event loop: the loop
/// watches SIGCHLD and reports each child's end to the callback given at
/// its start. Children start with a clean signal mask and default signal
/// dispositions, whatever the parent blocks or ignores.
class child_processes {
 public:
  /// Runs `fn(pid, how)` on the loop thread when a child ended.
  using exit_callback = std::function<void(pid_t, const child_exit&)>;

  /// Watches SIGCHLD on `loop`, which must outlive this object.
  explicit child_processes(event_loop& loop);

  /// Stops watching; children still running are not touched.
  ~child_processes();

  child_processes(const child_processes&) = delete;
  child_processes& operator=(const child_processes&) = delete;

  /// Starts a child; safe from any thread. Fails with the reason (missing
  /// program, unreadable directory, ...).
  expected<pid_t> spawn(const child_spec& spec, exit_callback on_exit);

  /// Watches a process this one did not start (one an earlier run of the
  /// program started, reparented since): `on_exit` runs on the loop thread
  /// when it ends, with status -1, as nobody can tell how it ended. Fails
  /// when the process is gone.
  expected<void> adopt(pid_t pid, exit_callback on_exit);

  /// Returns when process `pid` started, in clock ticks after boot (as
  /// /proc/PID/stat says), or 0 when there is no such process: with the
  /// pid, it names one process for good.
  static uint64_t start_time(pid_t pid);

  /// Returns the fields of /proc/PID/stat, numbered from 1 as proc(5)
  /// does (fields 1 and 2, the pid and the command, are left empty), or
  /// nothing when there is no such process.
  static std::vector<std::string> stat_fields(pid_t pid);

  /// Sends `signal` to every process in session `sid` (a container).
  static void signal_session(pid_t sid, int signal);

  /// Sends `signal` to process group `pgid`.
  static void signal_group(pid_t pgid, int signal);

 private:
  void reap();

  /// An adopted process, watched through a pidfd.
  struct adopted {
    child_processes* owner = nullptr;
    uv_poll_t poll{};
    int pidfd = -1;
    pid_t pid = 0;
    exit_callback on_exit;
    /// Runs once the process is freed.
    std::function<void()> freed;
  };

  /// Stops watching and frees `process` (on the loop thread); `done` runs
  /// once it is freed.
  void release(adopted* process, std::function<void()> done = {});

  event_loop& loop_;
  uv_signal_t watcher_{};
  std::mutex mutex_;
  std::map<pid_t, exit_callback> children_;
  /// By pidfd; touched on the loop thread only.
  std::map<int, std::unique_ptr<adopted>> adopted_;
};

}  // namespace mensa::runtime
