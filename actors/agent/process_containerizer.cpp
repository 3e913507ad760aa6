#include "actors/agent/process_containerizer.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "actors/common/command_executor.hpp"
#include "actors/common/command_info.hpp"

namespace mensa::agent {

runtime::expected<void> make_directories(const std::string& path) {
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    auto prefix = path.substr(0, slash);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
      return runtime::failure{"cannot create directory " + prefix + ": " +
                              std::strerror(errno)};
    if (slash == std::string::npos)
      return {};
  }
}

void point_latest_at(const std::string& sandbox) {
  auto slash = sandbox.rfind('/');
  if (slash == std::string::npos)
    return;
  auto latest = sandbox.substr(0, slash) + "/latest";
  auto temporary = latest + ".new";
  ::unlink(temporary.c_str());
  // Relative, so the work directory can move; renamed over the old link so
  // that `latest` always exists once a run has.
  if (::symlink(sandbox.c_str() + slash + 1, temporary.c_str()) == 0)
    ::rename(temporary.c_str(), latest.c_str());
}

process_containerizer::process_containerizer(runtime::child_processes& children,
                                             std::string mensa_program,
                                             std::vector<std::string> environment,
                                             termination_callback on_termination)
    : children_(children),
      mensa_program_(std::move(mensa_program)),
      environment_(std::move(environment)),
      on_termination_(std::move(on_termination)) {}

runtime::expected<container_process> process_containerizer::launch(
    const container_spec& spec) {
  if (spec.sandbox.empty())
    return runtime::failure{"the agent has no work directory for sandboxes"};
  if (auto made = make_directories(spec.sandbox); !made)
    return made.error();
  point_latest_at(spec.sandbox);
  runtime::child_spec child;
  auto& command = spec.executor.command();
  // mensa's own executors (command and default) are `mensa executor`.
  child.argv = common::is_command_executor(spec.executor) ||
                       spec.executor.type() == v1::ExecutorInfo::DEFAULT
                   ? std::vector<std::string>{mensa_program_, "executor"}
                   : common::command_argv(command);
  child.environment = environment_;
  for (auto& [name, value] : spec.environment)
    child.environment.push_back(name + "=" + value);
  common::append_environment(command, child.environment);
  child.working_directory = spec.sandbox;
  child.stdout_path = spec.sandbox + "/stdout";
  child.stderr_path = spec.sandbox + "/stderr";
  child.group = runtime::child_spec::grouping::new_session;
  std::lock_guard<std::mutex> guard(mutex_);
  auto id = spec.container_id;
  auto report = on_termination_;
  auto pid =
      children_.spawn(child, [this, id, report](pid_t, const runtime::child_exit& how) {
        {
          std::lock_guard<std::mutex> guard(mutex_);
          containers_.erase(id);
        }
        report({id, how.status, "the executor " + how.describe()});
      });
  if (!pid)
    return pid.error();
  containers_[id] = *pid;
  return container_process{*pid, runtime::child_processes::start_time(*pid)};
}

runtime::expected<void> process_containerizer::recover(
    const std::string& container_id, const container_process& process) {
  auto pid = static_cast<pid_t>(process.pid);
  if (pid <= 0)
    return runtime::failure{"the container had no process"};
  auto started = runtime::child_processes::start_time(pid);
  if (started != process.start_time) {
    // What the executor started may have outlived it. Its session's ID
    // stays reserved while any member lives, so it still names them (but
    // not once a new process has the number).
    if (started == 0)
      runtime::child_processes::signal_session(pid, SIGKILL);
    return runtime::failure{"the executor process " + std::to_string(process.pid) +
                            " is gone"};
  }
  std::lock_guard<std::mutex> guard(mutex_);
  auto report = on_termination_;
  auto adopted = children_.adopt(pid, [this, container_id, report](pid_t, auto&) {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      containers_.erase(container_id);
    }
    container_termination ended;
    ended.container_id = container_id;
    ended.message =
        "the executor ended (its exit status is unknown: it was launched "
        "before the agent restarted)";
    ended.status_known = false;
    report(std::move(ended));
  });
  if (!adopted)
    return adopted;
  containers_[container_id] = pid;
  return {};
}

void process_containerizer::destroy(const std::string& container_id) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto i = containers_.find(container_id);
  if (i != containers_.end())
    runtime::child_processes::signal_session(i->second, SIGKILL);
}

}  // namespace mensa::agent
