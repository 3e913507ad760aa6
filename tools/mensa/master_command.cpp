// `mensa master`: a node running the master and its allocator.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>

#include "actors/common/master_group.hpp"
#include "actors/common/task_status.hpp"
#include "actors/common/uuid.hpp"
#include "actors/common/master_detector.hpp"
#include "actors/master/master_contender.hpp"
#include "actors/master/standby_routes.hpp"
#include "caf/config_option_adder.hpp"
#include "runtime/zookeeper_log.hpp"
#include "tools/mensa/cluster_flags.hpp"
#include "tools/mensa/command.hpp"
#include "tools/mensa/termination_signals.hpp"

namespace mensa::tools {

namespace {

class master_config : public runtime::node_config {
 public:
  master_config() {
    port = 5050;
    usage =
        "Usage: mensa master [flags]\n\n"
        "Runs a master (and its allocator) on --ip:--port (127.0.0.1:5050 by\n"
        "default). Agents join with 'mensa agent --master=HOST:PORT', frameworks\n"
        "subscribe to master@HOST:PORT, or over HTTP at\n"
        "http://HOST:PORT/api/v1/scheduler (Mesos's scheduler API); operators\n"
        "POST to /api/v1 (Mesos's operator API: GET_STATE, UPDATE_QUOTA, ...);\n"
        "/health and /metrics answer on the same port. Stop it with Ctrl-C.\n\n"
        "With --work_dir the master keeps its registry (admitted agents,\n"
        "weights, quota) there and recovers it when restarted: agents and\n"
        "frameworks come back with their IDs and tasks keep running.\n\n"
        "With --zk=zk://HOST:PORT/PATH several masters elect a leader through\n"
        "ZooKeeper and keep the registry there; the others wait to lead. Agents\n"
        "and frameworks given the same zk:// URL as --master follow the leader.\n"
        "A leader that loses leadership (its ZooKeeper session ends) steps down:\n"
        "it exits with status 1, to be restarted as a contender. Until it leads,\n"
        "HTTP clients of its APIs and /master/... endpoints are redirected to\n"
        "the leader (307, Location //HOST:PORT/PATH), or told 503 \"No leader\n"
        "elected\" while none leads.";
    declare_master_flags(custom_options_, flags);
    caf::config_option_adder{custom_options_, "global"}
        .add(flags.work_dir, "work_dir",
             "directory for the registry (default: none, nothing survives the "
             "master)")
        .add(flags.zk, "zk",
             "elect the leading master among several through ZooKeeper and keep "
             "the registry there, zk://HOST:PORT[,HOST:PORT...]/PATH")
        .add(flags.zk_session_timeout, "zk_session_timeout",
             "time a ZooKeeper session outlives a lost connection; a leader cut "
             "off this long steps down (10s)");
  }

  master_flags flags;
};

/// Contends for leadership through ZooKeeper; once elected, recovers the
/// registry kept there and starts the master. Returns the exit status.
int lead_through_zookeeper(runtime::node& n, const master_flags& flags,
                           const runtime::zookeeper_url& group) {
  auto self = n.address_of("master");
  if (!self) {
    std::fprintf(stderr, "mensa master: %s\n", self.error().message.c_str());
    return 1;
  }
  std::random_device device;
  auto draw = [&device] { return (static_cast<uint64_t>(device()) << 32) ^ device(); };
  auto id = common::format_uuid(common::make_uuid(draw(), draw()));
  std::atomic<bool> stepped_down{false};
  // Until it leads, HTTP clients are sent to the leader, as by Mesos's
  // standby masters.
  master::standby_routes standby(n.http_routes());
  auto session_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(flags.zk_session_timeout);
  common::master_detector leader(
      group, session_timeout, [&standby](const runtime::address& leading) {
        standby.follow(leading);
        if (leading.empty())
          std::printf("master: no master leads\n");
        else
          std::printf("master: the leader is %s\n", leading.str().c_str());
        std::fflush(stdout);
      });
  auto step_down = [&stepped_down](const std::string& why) {
    std::printf("master: stepping down: %s\n", why.c_str());
    std::fflush(stdout);
    stepped_down = true;
    kill(getpid(), SIGTERM);
  };
  auto on_elected = [&](std::shared_ptr<runtime::zookeeper_session> session,
                        const std::string& member) {
    standby.remove();
    runtime::durable_log::contents found;
    auto log =
        runtime::zookeeper_log::open(session, group.path + "/registry", member, found);
    if (!log)
      return step_down("cannot open the registry: " + log.error().message);
    auto kept = master::registry::recover(std::move(*log), found);
    if (!kept)
      return step_down("cannot recover the registry: " + kept.error().message);
    auto master = spawn_master(n, flags, std::move(*kept), id);
    if (!master)
      return step_down(master.error().message);
    std::printf("master: leading at %s\n", master->str().c_str());
    std::fflush(stdout);
  };
  master::master_contender contender(group, session_timeout,
                                     common::describe_master(*self, id), on_elected,
                                     step_down);
  std::printf("master: listening at %s, contending for leadership at %s\n",
              self->str().c_str(), group.str().c_str());
  std::printf("master: HTTP at %s (a standby redirects to the leader)\n",
              n.http_url().c_str());
  std::fflush(stdout);
  await_termination_signal();
  return stepped_down ? 1 : 0;
}

}  // namespace

int run_master(int argc, char** argv) {
  block_termination_signals();
  auto cfg = std::make_unique<master_config>();
  if (auto code = cfg->parse_command_line("mensa master", argc, argv); code >= 0)
    return code;
  auto flags = cfg->flags;
  std::optional<runtime::zookeeper_url> group;
  if (!flags.zk.empty()) {
    auto url = runtime::zookeeper_url::parse(flags.zk);
    if (!url) {
      std::fprintf(stderr, "mensa master: invalid --zk: %s\n",
                   url.error().message.c_str());
      return 2;
    }
    if (!flags.work_dir.empty()) {
      std::fprintf(stderr,
                   "mensa master: --zk and --work_dir exclude each other (with --zk "
                   "the registry is kept in ZooKeeper)\n");
      return 2;
    }
    group = std::move(*url);
  }
  auto started = runtime::node::start(std::move(cfg));
  if (!started) {
    std::fprintf(stderr, "mensa master: %s\n", started.error().message.c_str());
    return 1;
  }
  if (group)
    return lead_through_zookeeper(**started, flags, *group);
  auto master = spawn_master(**started, flags);
  if (!master) {
    std::fprintf(stderr, "mensa master: %s\n", master.error().message.c_str());
    return 1;
  }
  await_master_started(**started);
  std::printf("master: listening at %s\n", master->str().c_str());
  std::printf(
      "master: HTTP at %s (/master/state, /api/v1, /api/v1/scheduler, /metrics)\n",
      (**started).http_url().c_str());
  std::fflush(stdout);
  await_termination_signal();
  return 0;
}

}  // namespace mensa::tools
