#include "runtime/child_processes.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>

extern char** environ;

namespace mensa::runtime {

bool child_exit::exited() const noexcept {
  return WIFEXITED(status);
}

int child_exit::exit_code() const noexcept {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int child_exit::signal() const noexcept {
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

std::string child_exit::describe() const {
  if (exited())
    return "exited with status " + std::to_string(exit_code());
  if (auto sig = signal(); sig != 0) {
    const char* name = sigabbrev_np(sig);
    return std::string("terminated by signal ") +
           (name ? "SIG" + std::string(name) : std::to_string(sig));
  }
  return "ended (status " + std::to_string(status) + ")";
}

child_processes::child_processes(event_loop& loop) : loop_(loop) {
  std::promise<void> installed;
  auto done = installed.get_future();
  loop_.post([this, &installed](uv_loop_t* uv) {
    watcher_.data = this;
    uv_signal_init(uv, &watcher_);
    uv_signal_start(
        &watcher_,
        [](uv_signal_t* handle, int) {
          static_cast<child_processes*>(handle->data)->reap();
        },
        SIGCHLD);
    installed.set_value();
  });
  done.wait();
}

child_processes::~child_processes() {
  std::promise<void> closed;
  auto done = closed.get_future();
  loop_.post([this, &closed](uv_loop_t*) {
    // The signal watcher closes last, after every adopted process's poll.
    auto close_watcher = [this, &closed] {
      watcher_.data = &closed;
      uv_close(reinterpret_cast<uv_handle_t*>(&watcher_), [](uv_handle_t* handle) {
        static_cast<std::promise<void>*>(handle->data)->set_value();
      });
    };
    if (adopted_.empty())
      return close_watcher();
    auto left = std::make_shared<std::size_t>(adopted_.size());
    std::vector<adopted*> processes;
    for (auto& [fd, process] : adopted_)
      processes.push_back(process.get());
    for (auto* process : processes)
      release(process, [left, close_watcher] {
        if (--*left == 0)
          close_watcher();
      });
  });
  done.wait();
}

expected<void> child_processes::adopt(pid_t pid, exit_callback on_exit) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0)
    return failure{"process " + std::to_string(pid) + " is gone (" +
                   std::strerror(errno) + ")"};
  auto process = std::make_unique<adopted>();
  process->owner = this;
  process->pidfd = fd;
  process->pid = pid;
  process->on_exit = std::move(on_exit);
  loop_.post([this, process = process.release()](uv_loop_t* uv) {
    adopted_[process->pidfd].reset(process);
    process->poll.data = process;
    uv_poll_init(uv, &process->poll, process->pidfd);
    // A pidfd turns readable when its process ends.
    uv_poll_start(&process->poll, UV_READABLE, [](uv_poll_t* handle, int, int) {
      auto* ended = static_cast<adopted*>(handle->data);
      auto callback = std::move(ended->on_exit);
      auto pid = ended->pid;
      ended->owner->release(ended);
      if (callback)
        callback(pid, child_exit{-1});
    });
  });
  return {};
}

void child_processes::release(adopted* process, std::function<void()> done) {
  uv_poll_stop(&process->poll);
  process->freed = std::move(done);
  uv_close(reinterpret_cast<uv_handle_t*>(&process->poll), [](uv_handle_t* handle) {
    auto* closed = static_cast<adopted*>(handle->data);
    auto done = std::move(closed->freed);
    ::close(closed->pidfd);
    closed->owner->adopted_.erase(closed->pidfd);
    if (done)
      done();
  });
}

std::vector<std::string> child_processes::stat_fields(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)),
                   std::istreambuf_iterator<char>());
  // The command (field 2) is in parentheses and may hold anything.
  auto close = text.rfind(')');
  if (close == std::string::npos)
    return {};
  std::istringstream rest(text.substr(close + 2));
  std::vector<std::string> fields{"", ""};
  for (std::string field; rest >> field;)
    fields.push_back(std::move(field));
  return fields;
}

uint64_t child_processes::start_time(pid_t pid) {
  auto fields = stat_fields(pid);
  return fields.size() > 21 ? std::stoull(fields[21]) : 0;
}

expected<pid_t> child_processes::spawn(const child_spec& spec, exit_callback on_exit) {
  if (spec.argv.empty())
    return failure{"no program to start"};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  auto cleanup = [&] {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  };
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  for (auto [fd, path] : {std::pair{STDOUT_FILENO, &spec.stdout_path},
                          std::pair{STDERR_FILENO, &spec.stderr_path}})
    posix_spawn_file_actions_addopen(&actions, fd,
                                     path->empty() ? "/dev/null" : path->c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (!spec.working_directory.empty())
    posix_spawn_file_actions_addchdir_np(&actions, spec.working_directory.c_str());
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (spec.group == child_spec::grouping::new_session) {
    flags |= POSIX_SPAWN_SETSID;
  } else {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&attributes, 0);
  }
  posix_spawnattr_setflags(&attributes, flags);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigset_t defaults;
  sigfillset(&defaults);
  sigdelset(&defaults, SIGKILL);
  sigdelset(&defaults, SIGSTOP);
  posix_spawnattr_setsigdefault(&attributes, &defaults);

  std::vector<char*> argv;
  for (auto& arg : spec.argv)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& entry : spec.environment)
    envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = 0;
  {
    // Registered before SIGCHLD can be handled: reap() takes this lock.
    std::lock_guard<std::mutex> guard(mutex_);
    rc = posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
    if (rc == 0)
      children_[pid] = std::move(on_exit);
  }
  cleanup();
  if (rc != 0)
    return failure{"cannot start '" + spec.argv[0] + "': " + std::strerror(rc)};
  // A child that failed to exec (or exited) before we registered is reaped
  // by the next SIGCHLD; make sure one pass happens.
  loop_.post([this](uv_loop_t*) { reap(); });
  return pid;
}

void child_processes::reap() {
  std::vector<std::pair<std::pair<pid_t, child_exit>, exit_callback>> ended;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    for (auto i = children_.begin(); i != children_.end();) {
      int status = 0;
      auto rc = waitpid(i->first, &status, WNOHANG);
      if (rc == i->first || (rc < 0 && errno == ECHILD)) {
        ended.push_back({{i->first, child_exit{status}}, std::move(i->second)});
        i = children_.erase(i);
      } else {
        ++i;
      }
    }
  }
  for (auto& [child, callback] : ended)
    if (callback)
      callback(child.first, child.second);
}

void child_processes::signal_group(pid_t pgid, int signal) {
  if (pgid > 0)
    ::kill(-pgid, signal);
}

void child_processes::signal_session(pid_t sid, int signal) {
  if (sid <= 0)
    return;
  DIR* proc = opendir("/proc");
  if (proc == nullptr)
    return;
  while (auto* entry = readdir(proc)) {
    char* end = nullptr;
    auto pid = static_cast<pid_t>(std::strtol(entry->d_name, &end, 10));
    if (pid <= 0 || *end != '\0')
      continue;
    auto fields = stat_fields(pid);
    // Field 6 is the session.
    if (fields.size() > 5 && std::strtol(fields[5].c_str(), nullptr, 10) == sid)
      ::kill(pid, signal);
  }
  closedir(proc);
}

}  // namespace mensa::runtime
