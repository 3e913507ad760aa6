// `mensa execute`: a small framework that runs a command K times and shows
// how it goes.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <memory>
#include <string>

#include "actors/agent/agent_process.hpp"
#include "actors/common/master_detector.hpp"
#include "actors/common/resources.hpp"
#include "actors/common/task_states.hpp"
#include "actors/scheduler/scheduler_process.hpp"
#include "tools/mensa/cluster_flags.hpp"
#include "tools/mensa/command.hpp"

namespace mensa::tools {

namespace {

class execute_config : public runtime::node_config {
 public:
  execute_config() {
    usage =
        "Usage: mensa execute --master=HOST:PORT --command=CMD [flags]\n\n"
        "Runs CMD (through /bin/sh -c) as --instances tasks on the cluster, shows\n"
        "their progress, prints each failure with its sandbox, and exits non-zero\n"
        "if any task did not finish successfully. On each agent the tasks share one\n"
        "default executor (cpus 0.1, mem 32 MB on top of the tasks'); each task\n"
        "has its own sandbox in the executor's, under tasks/<task ID>.";
    opt_group{custom_options_, "global"}
        .add(master, "master",
             "the master, HOST:PORT, or zk://HOST:PORT[,...]/PATH to follow the "
             "leader (required)")
        .add(command, "command", "the shell command each task runs (required)")
        .add(instances, "instances", "how many tasks (1)")
        .add(cpus, "cpus", "cpus per task (0.1)")
        .add(mem, "mem", "memory per task, MB (32)")
        .add(name, "name", "the framework's name (mensa-execute)")
        .add(role, "role", "the role to run under (*)")
        .add(checkpoint, "checkpoint",
             "checkpoint the framework: its tasks survive a restart of their "
             "agent (false)");
  }

  std::string master;
  std::string command;
  std::size_t instances = 1;
  double cpus = 0.1;
  double mem = 32;
  std::string name = "mensa-execute";
  std::string role = "*";
  bool checkpoint = false;
};

struct plan {
  std::string command;
  std::size_t instances;
  double cpus;
  double mem;
};

// Launches the tasks as offers allow and reports their progress.
class execute_scheduler : public scheduler::scheduler_process {
 public:
  execute_scheduler(caf::actor_config& cfg, runtime::node& owner, address self,
                    address master, v1::FrameworkInfo info, plan p,
                    std::shared_ptr<std::promise<int>> done)
      : scheduler_process(cfg, owner, std::move(self), std::move(master),
                          std::move(info)),
        plan_(std::move(p)),
        done_(std::move(done)) {}

 protected:
  void subscribed(const v1::scheduler::Event::Subscribed& event) override {
    say("subscribed as framework " + event.framework_id().value());
  }

  // Each task is a group of its own on one default executor per agent, so
  // an agent starts one `mensa executor` for all of this job's tasks there.
  void offers(const std::vector<v1::Offer>& offers) override {
    for (auto& offer : offers) {
      auto left = common::resources(offer.resources()).unallocated();
      auto& running = offer.executor_ids();
      if (std::none_of(running.begin(), running.end(), [](const v1::ExecutorID& id) {
            return id.value() == executor_id;
          })) {
        if (!left.contains(executor_resources_))
          left = {};
        else
          left -= executor_resources_;
      }
      std::vector<v1::Offer::Operation> operations;
      while (launched_ < plan_.instances && left.contains(task_resources_)) {
        left -= task_resources_;
        operations.push_back(
            scheduler::make_launch_group(executor_, {make_task(offer)}));
      }
      if (operations.empty()) {
        decline({offer.id()});
        continue;
      }
      accept({offer.id()}, operations);
      progress();
    }
    if (launched_ == plan_.instances && !suppressed_) {
      suppressed_ = true;
      suppress();
    }
  }

  void update(const v1::TaskStatus& status) override {
    auto id = status.task_id().value();
    auto known = states_.find(id);
    if (known == states_.end() || common::is_terminal(known->second))
      return;
    auto& state = known->second;
    set_state(state, status.state());
    if (state != v1::TASK_FINISHED && common::is_terminal(state)) {
      std::string sandbox;
      for (auto& label : status.labels().labels())
        if (label.key() == agent::sandbox_label)
          sandbox = label.value();
      say(id + " " + v1::TaskState_Name(state) + ": " + status.message() +
          (sandbox.empty() ? "" : " (sandbox: " + sandbox + ")"));
    }
    progress();
    if (ended() == plan_.instances)
      finish();
  }

  void error(const std::string& message) override {
    say("the master refused us: " + message);
    finish(2);
  }

  void exited(const address& peer, const runtime::peer_exit& why) override {
    if (peer == master() && !framework_id()) {
      say("cannot reach the master at " + peer.str() + ": " + why.detail);
      finish(2);
      return;
    }
    scheduler_process::exited(peer, why);
  }

 private:
  static constexpr const char* executor_id = "mensa-execute";

  static common::resources cpus_and_mem(double cpus, double mem) {
    return *common::resources::parse("cpus:" + std::to_string(cpus) +
                                     ";mem:" + std::to_string(mem));
  }

  static v1::ExecutorInfo make_executor(const common::resources& resources) {
    v1::ExecutorInfo executor;
    executor.set_type(v1::ExecutorInfo::DEFAULT);
    executor.mutable_executor_id()->set_value(executor_id);
    executor.set_name("mensa execute's default executor");
    resources.copy_to(executor.mutable_resources());
    return executor;
  }

  v1::TaskInfo make_task(const v1::Offer& offer) {
    v1::TaskInfo task;
    auto id = "task-" + std::to_string(++launched_);
    task.set_name(id);
    task.mutable_task_id()->set_value(id);
    *task.mutable_agent_id() = offer.agent_id();
    task_resources_.copy_to(task.mutable_resources());
    task.mutable_command()->set_value(plan_.command);
    states_[id] = v1::TASK_STAGING;
    ++counts_[v1::TASK_STAGING];
    return task;
  }

  void set_state(v1::TaskState& state, v1::TaskState next) {
    --counts_[state];
    ++counts_[next];
    if (common::is_terminal(next))
      ++ended_;
    state = next;
  }

  std::size_t count(v1::TaskState state) const {
    auto i = counts_.find(state);
    return i == counts_.end() ? 0 : i->second;
  }

  std::size_t ended() const { return ended_; }

  void progress() {
    auto line = "staged " + std::to_string(launched_) + "/" +
                std::to_string(plan_.instances) + " | running " +
                std::to_string(count(v1::TASK_RUNNING)) + " | finished " +
                std::to_string(count(v1::TASK_FINISHED)) + " | failed " +
                std::to_string(ended() - count(v1::TASK_FINISHED));
    if (line == last_line_)
      return;
    last_line_ = line;
    if (terminal_) {
      // One line, redrawn in place.
      std::printf("\r\033[K%s", line.c_str());
      std::fflush(stdout);
      return;
    }
    // Into a file or pipe: at most one line a second, and the last one.
    auto now = std::chrono::steady_clock::now();
    if (now - last_print_ < std::chrono::seconds(1) && ended() < plan_.instances)
      return;
    last_print_ = now;
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }

  // Prints a line of its own above the progress line.
  void say(const std::string& text) {
    std::printf("%s%s\n", terminal_ ? "\r\033[K" : "", text.c_str());
    std::fflush(stdout);
    last_line_.clear();
  }

  void finish(int code = -1) {
    if (finished_)
      return;
    finished_ = true;
    if (code < 0)
      code = count(v1::TASK_FINISHED) == plan_.instances ? 0 : 1;
    if (terminal_)
      std::printf("\n");
    std::printf("done: %zu finished, %zu did not\n", count(v1::TASK_FINISHED),
                plan_.instances - count(v1::TASK_FINISHED));
    std::fflush(stdout);
    if (framework_id())
      teardown();
    done_->set_value(code);
    quit();
  }

  plan plan_;
  std::shared_ptr<std::promise<int>> done_;
  common::resources task_resources_ = cpus_and_mem(plan_.cpus, plan_.mem);
  // What Mesos gives its default executor.
  common::resources executor_resources_ = cpus_and_mem(0.1, 32);
  v1::ExecutorInfo executor_ = make_executor(executor_resources_);
  std::map<std::string, v1::TaskState> states_;
  // How many tasks are in each state, and in a terminal one.
  std::map<v1::TaskState, std::size_t> counts_;
  std::size_t ended_ = 0;
  std::size_t launched_ = 0;
  bool suppressed_ = false;
  bool finished_ = false;
  std::string last_line_;
  bool terminal_ = isatty(STDOUT_FILENO) != 0;
  std::chrono::steady_clock::time_point last_print_;
};

}  // namespace

int run_execute(int argc, char** argv) {
  auto cfg = std::make_unique<execute_config>();
  if (auto code = cfg->parse_command_line("mensa execute", argc, argv); code >= 0)
    return code;
  auto master = master_source_of(cfg->master);
  if (!master) {
    std::fprintf(stderr, "mensa execute: %s\n", master.error().message.c_str());
    return 2;
  }
  if (cfg->command.empty() || cfg->instances == 0 || !(cfg->cpus > 0) ||
      !(cfg->mem > 0)) {
    std::fprintf(stderr, "mensa execute: %s\n",
                 cfg->command.empty()  ? "--command is required"
                 : cfg->instances == 0 ? "--instances must be at least 1"
                                       : "--cpus and --mem must be positive");
    return 2;
  }
  v1::FrameworkInfo info;
  info.set_user(std::getenv("USER") ? std::getenv("USER") : "root");
  info.set_name(cfg->name);
  info.set_role(cfg->role);
  info.set_checkpoint(cfg->checkpoint);
  plan p{cfg->command, cfg->instances, cfg->cpus, cfg->mem};
  std::printf("running %zu x '%s' (cpus %g, mem %g MB) on %s\n", p.instances,
              p.command.c_str(), p.cpus, p.mem, master->str().c_str());
  std::fflush(stdout);
  auto started = runtime::node::start(std::move(cfg));
  if (!started) {
    std::fprintf(stderr, "mensa execute: %s\n", started.error().message.c_str());
    return 1;
  }
  auto done = std::make_shared<std::promise<int>>();
  auto result = done->get_future();
  auto spawned = (*started)->spawn<execute_scheduler>("execute", master->fixed, info,
                                                      std::move(p), done);
  if (!spawned) {
    std::fprintf(stderr, "mensa execute: %s\n", spawned.error().message.c_str());
    return 1;
  }
  std::unique_ptr<common::master_detector> detector;
  if (master->group)
    detector = std::make_unique<common::master_detector>(
        *master->group, common::default_zk_session_timeout,
        common::follow_in<execute_scheduler>(
            runtime::process_handle::find(**started, "execute")));
  return result.get();
}

}  // namespace mensa::tools
