// tools/bench/soak: the cluster as real processes under a nemesis, Jepsen's
// in spirit. Three `mensa master --zk` processes with a ZooKeeper server,
// three checkpointing agents (each in a network namespace of its own when
// run as root), and a framework keeping short and long tasks running,
// while a seeded nemesis kills and restarts agents, executors and the
// leading master, stops and resumes them, cuts agents off, and attacks the
// nodes' ports. Then the faults stop, and a checker looks at what the
// framework heard. Prints one JSON line.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "actors/common/master_detector.hpp"
#include "actors/common/task_states.hpp"
#include "caf/atom.hpp"
#include "runtime/dispatch.hpp"
#include "runtime/node.hpp"
#include "runtime/testing/temporary_directory.hpp"
#include "runtime/testing/zookeeper_server.hpp"
#include "tools/bench/bench_report.hpp"
#include "tools/bench/soak_bench/soak_cluster.hpp"
#include "tools/bench/soak_bench/soak_framework.hpp"

namespace mensa::bench {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

class soak_config : public runtime::node_config {
 public:
  soak_config() {
    logging_level = "error";
    usage =
        "Usage: tools/bench/soak [flags]\n\n"
        "Runs three masters (electing a leader through a ZooKeeper server it\n"
        "starts), three checkpointing agents and a framework keeping tasks\n"
        "running, for --minutes, while a nemesis drawn from --seed kills and\n"
        "restarts agents, executors and the leading master, stops and resumes\n"
        "them, cuts agents off (as root, through network namespaces) and sends\n"
        "the nodes' ports oversized, partial and random frames. Then the faults\n"
        "stop; the checker waits for every task's end and for the whole cluster\n"
        "to be offered again, and prints one JSON line: faults by kind, tasks\n"
        "launched, ends lost, updates out of order, contradicting ends, task\n"
        "processes left running, and the seconds from the last fault until the\n"
        "cluster was whole (goal: 2 x --soak_zk_session_timeout +\n"
        "--soak_agent_reregister_timeout).";
    opt_group{custom_options_, "global"}
        .add(minutes, "minutes", "how long the nemesis runs (1)")
        .add(seed, "soak_seed", "what the nemesis draws from (1)")
        .add(in_flight, "in_flight", "tasks the framework keeps running (12)")
        .add(zk_session_timeout, "soak_zk_session_timeout",
             "--zk_session_timeout of the masters and agents (4s)")
        .add(agent_reregister_timeout, "soak_agent_reregister_timeout",
             "--agent_reregister_timeout of the masters (20s)")
        .add(mensa, "mensa", "the mensa program (next to this build's bench)");
  }

  double minutes = 1;
  uint64_t seed = 1;
  std::size_t in_flight = 12;
  caf::timespan zk_session_timeout = std::chrono::seconds(4);
  caf::timespan agent_reregister_timeout = std::chrono::seconds(20);
  std::string mensa;
};

std::string seconds_flag(caf::timespan t) {
  return std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(t).count()) +
         "ms";
}

// A client of a node's port that sends what no node would.
class port_attack {
 public:
  port_attack(const std::string& ip, uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in where{};
    where.sin_family = AF_INET;
    where.sin_port = htons(port);
    inet_pton(AF_INET, ip.c_str(), &where.sin_addr);
    timeval limit{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&where), sizeof(where)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~port_attack() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  port_attack(const port_attack&) = delete;
  port_attack& operator=(const port_attack&) = delete;

  void send(const std::string& bytes) {
    if (fd_ >= 0)
      static_cast<void>(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL));
  }

  static std::string header(uint8_t operation, uint32_t length, uint64_t destination) {
    std::string out(32, '\0');
    auto put = [&](std::size_t at, uint64_t value, std::size_t width) {
      for (std::size_t i = 0; i < width; ++i)
        out[at + width - 1 - i] = static_cast<char>((value >> (8 * i)) & 0xFF);
    };
    put(0, operation, 1);
    put(4, length, 4);
    put(24, destination, 8);
    return out;
  }

  static std::string client_handshake(uint32_t pid) {
    std::string node(32, '\0');
    auto implementation = static_cast<uint64_t>(caf::atom("default"));
    for (int i = 0; i < 8; ++i)
      node[7 - i] = static_cast<char>((implementation >> (8 * i)) & 0xFF);
    for (int i = 0; i < 4; ++i)
      node[11 - i] = static_cast<char>((pid >> (8 * i)) & 0xFF);
    for (int i = 12; i < 32; ++i)
      node[i] = static_cast<char>(i);
    return header(1, 32, 0) + node;
  }

 private:
  int fd_ = -1;
};

int rank(v1::TaskState state) {
  switch (state) {
    case v1::TASK_STAGING:
      return 0;
    case v1::TASK_STARTING:
      return 1;
    case v1::TASK_RUNNING:
      return 2;
    case v1::TASK_KILLING:
      return 3;
    default:
      return 4;
  }
}

// Ends the soak with a message (what it set up is taken down on the way).
[[noreturn]] void give_up(const std::string& why) {
  throw std::runtime_error(why);
}

class soak {
 public:
  explicit soak(const soak_config& cfg)
      : cfg_(cfg), random_(cfg.seed), network_(3), mensa_(mensa_program(cfg.mensa)) {}

  int run() {
    auto dir = runtime::testing::make_temporary_directory("soak");
    if (!dir)
      give_up(dir.error().message);
    dir_ = *dir;
    if (auto why = runtime::testing::zookeeper_server::missing(); !why.empty())
      give_up(why);
    auto zk = runtime::testing::zookeeper_server::start(60s);
    if (!zk)
      give_up(zk.error().message);
    auto servers = zk->servers();
    zk_url_ =
        "zk://" + network_.host_ip() + servers.substr(servers.find(':')) + "/mensa";
    start_masters();
    start_agents();
    start_framework();
    auto faults_end =
        clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                std::chrono::duration<double>(cfg_.minutes * 60));
    while (clock_type::now() < faults_end) {
      supervise();
      injure();
      supervise();
      pause(std::chrono::milliseconds(1000 + random_() % 2000));
    }
    heal_all();
    last_fault_ = clock_type::now();
    journal_.set_launching(false);
    auto whole = wait_until_whole(last_fault_ + 10min);
    report(whole);
    stop_all();
    return 0;
  }

 private:
  void start_masters() {
    for (int i = 0; i < 3; ++i) {
      auto port = free_port(network_.host_ip());
      auto argv = std::vector<std::string>{
          mensa_,
          "master",
          "--ip=" + network_.host_ip(),
          "--port=" + std::to_string(port),
          "--zk=" + zk_url_,
          "--zk_session_timeout=" + seconds_flag(cfg_.zk_session_timeout),
          "--agent_reregister_timeout=" + seconds_flag(cfg_.agent_reregister_timeout),
          "--agent_ping_interval=2s",
          "--max_agent_ping_timeouts=3",
          "--heartbeat_timeout=3s",
          "--logging_level=error"};
      masters_.push_back(std::make_unique<soak_process>(
          "master-" + std::to_string(i), argv, network_.host_ip(), port));
      if (!masters_.back()->start())
        give_up("cannot start " + masters_.back()->name());
    }
  }

  void start_agents() {
    for (std::size_t i = 0; i < 3; ++i) {
      auto port = network_.namespaces() ? uint16_t{5051} : free_port("127.0.0.1");
      auto argv = network_.agent_prefix(i);
      auto rest = std::vector<std::string>{
          mensa_,
          "agent",
          "--ip=" + network_.agent_ip(i),
          "--port=" + std::to_string(port),
          "--master=" + zk_url_,
          "--zk_session_timeout=" + seconds_flag(cfg_.zk_session_timeout),
          "--work_dir=" + dir_ + "/agent-" + std::to_string(i),
          "--resources=cpus:2;mem:2048;disk:1000;ports:[31000-31010]",
          "--master_ping_timeout=10s",
          "--heartbeat_timeout=3s",
          "--logging_level=error"};
      argv.insert(argv.end(), rest.begin(), rest.end());
      agents_.push_back(std::make_unique<soak_process>(
          "agent-" + std::to_string(i), argv, network_.agent_ip(i), port));
      if (!agents_.back()->start())
        give_up("cannot start " + agents_.back()->name());
    }
  }

  void start_framework() {
    auto cfg = std::make_unique<runtime::node_config>();
    cfg->ip = network_.host_ip();
    cfg->logging_level = "error";
    cfg->heartbeat_timeout = 3s;
    auto started = runtime::node::start(std::move(cfg));
    if (!started)
      give_up(started.error().message);
    framework_node_ = std::move(*started);
    auto spawned = framework_node_->spawn<soak_framework>(
        "soak", runtime::address{}, &journal_, cfg_.seed, cfg_.in_flight);
    if (!spawned)
      give_up(spawned.error().message);
    auto url = runtime::zookeeper_url::parse(zk_url_);
    if (!url)
      give_up(url.error().message);
    detector_ = std::make_unique<common::master_detector>(
        *url,
        std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.zk_session_timeout),
        common::follow_in<soak_framework>(
            runtime::process_handle::find(*framework_node_, "soak")));
  }

  // Starts again what ended by itself (a master that stepped down).
  void supervise() {
    for (auto* group : {&masters_, &agents_})
      for (auto& p : *group)
        if (!p->stopped() && !p->alive()) {
          ++restarts_by_supervisor_;
          p->start();
        }
  }

  soak_process* leading_master() {
    auto url = runtime::zookeeper_url::parse(zk_url_);
    auto leader = common::find_leading_master(*url, 5s);
    if (!leader)
      return nullptr;
    for (auto& m : masters_)
      if (m->port() == leader->port())
        return m.get();
    return nullptr;
  }

  void pause(clock_type::duration d) { std::this_thread::sleep_for(d); }

  std::chrono::milliseconds between(int low_ms, int high_ms) {
    return std::chrono::milliseconds(low_ms +
                                     static_cast<int>(random_() % (high_ms - low_ms)));
  }

  // One fault, drawn from the seed, and its end.
  void injure() {
    auto index = static_cast<std::size_t>(random_() % agents_.size());
    auto& agent = *agents_[index];
    switch (random_() % 7) {
      case 0:
        ++faults_["kill_agent"];
        agent.kill();
        pause(between(500, 3000));
        agent.start();
        break;
      case 1: {
        auto executors = children_of(agent.pid());
        if (executors.empty())
          break;
        ++faults_["kill_executor"];
        ::kill(executors[random_() % executors.size()], SIGKILL);
        break;
      }
      case 2:
        if (auto* leader = leading_master()) {
          ++faults_["kill_leader"];
          leader->kill();
          pause(between(500, 5000));
          leader->start();
        }
        break;
      case 3:
        ++faults_["stop_agent"];
        agent.stop();
        pause(between(1000, 8000));
        agent.resume();
        break;
      case 4:
        if (auto* leader = leading_master()) {
          ++faults_["stop_leader"];
          leader->stop();
          pause(between(1000, 8000));
          leader->resume();
        }
        break;
      case 5: {
        if (!network_.namespaces())
          break;
        ++faults_["cut_agent"];
        network_.cut(index);
        pause(between(2000, 15000));
        network_.heal(index);
        break;
      }
      default:
        attack(random_() % 2 == 0 ? *masters_[random_() % masters_.size()] : agent);
        break;
    }
  }

  // What no node sends: a header claiming 4 GB, one that stops halfway,
  // random bytes, a byte buffer claiming 4 GB after a valid handshake.
  void attack(soak_process& target) {
    ++faults_["attack_port"];
    std::vector<std::unique_ptr<port_attack>> open;
    for (int n = 0; n < 4; ++n) {
      auto a = std::make_unique<port_attack>(target.ip(), target.port());
      switch (random_() % 4) {
        case 0:
          a->send(port_attack::header(1, 0xFFFFFFF0u, 0));
          break;
        case 1:
          a->send(port_attack::header(1, 32, 0).substr(0, 10));
          break;
        case 2: {
          std::string bytes(1 + random_() % 4096, '\0');
          for (auto& b : bytes)
            b = static_cast<char>(random_());
          a->send(bytes);
          break;
        }
        default: {
          std::string charbuf = std::string(1, '\0') + std::string("\0\0", 2);
          std::string names = "@<>+@charbuf";
          charbuf += static_cast<char>(names.size());
          charbuf += names + std::string("\xf0\xff\xff\xff\x0f", 5);
          a->send(port_attack::client_handshake(static_cast<uint32_t>(random_())));
          a->send(port_attack::header(2, static_cast<uint32_t>(charbuf.size()), 1) +
                  charbuf);
          break;
        }
      }
      open.push_back(std::move(a));
    }
    pause(between(500, 2000));
  }

  void heal_all() {
    for (std::size_t i = 0; i < agents_.size(); ++i)
      network_.heal(i);
    for (auto* group : {&masters_, &agents_})
      for (auto& p : *group)
        p->resume();
    supervise();
  }

  // The cluster is whole when every task told how it ended and the
  // framework holds offers of every agent's whole resources.
  std::optional<double> wait_until_whole(clock_type::time_point deadline) {
    auto next_reconcile = clock_type::now() + 10s;
    while (clock_type::now() < deadline) {
      supervise();
      auto [cpus, agents] = journal_.offered();
      if (journal_.unfinished() == 0 && agents == agents_.size() && cpus >= 6 - 1e-6)
        return std::chrono::duration<double>(clock_type::now() - last_fault_).count();
      if (clock_type::now() >= next_reconcile) {
        // A framework asks for what it may have missed, as Mesos frameworks
        // do after faults.
        runtime::dispatch<soak_framework>(framework_node_->find("soak"),
                                          [](soak_framework& f) { f.reconcile(); });
        next_reconcile = clock_type::now() + 10s;
      }
      pause(100ms);
    }
    return std::nullopt;
  }

  void report(const std::optional<double>& whole) {
    auto tasks = journal_.tasks();
    std::size_t lost = 0, out_of_order = 0, contradicting = 0, heard_from_agent = 0,
                long_running = 0;
    for (auto& [id, t] : tasks) {
      long_running += t.long_running ? 1 : 0;
      bool ended = false;
      std::set<std::string> seen;
      std::set<v1::TaskState> ends;
      int last = -1;
      bool ordered = true;
      for (auto& status : t.updates) {
        ended = ended || common::is_terminal(status.state());
        // The agent's stream, first copy of each update; the master's own
        // (no uuid: reconciliation, a lost agent) are not part of it.
        if (status.uuid().empty() || !seen.insert(status.uuid()).second)
          continue;
        if (rank(status.state()) < last)
          ordered = false;
        last = std::max(last, rank(status.state()));
        if (common::is_terminal(status.state()))
          ends.insert(status.state());
      }
      lost += ended ? 0 : 1;
      out_of_order += ordered ? 0 : 1;
      contradicting += ends.size() > 1 ? 1 : 0;
      heard_from_agent += ends.empty() ? 0 : 1;
    }
    // What runs in a task's sandbox now ran past the end the framework
    // heard (every task has ended by now); killed executors' tasks get a
    // moment to be cleaned up.
    std::size_t running_after_end = 0;
    for (int attempt = 0; attempt < 100; ++attempt) {
      running_after_end = working_in(dir_ + "/").size();
      if (running_after_end == 0)
        break;
      pause(100ms);
    }
    long peak = 0;
    for (auto* group : {&masters_, &agents_})
      for (auto& p : *group)
        peak = std::max(peak, p->peak_kib());
    auto goal = 2 * std::chrono::duration<double>(cfg_.zk_session_timeout).count() +
                std::chrono::duration<double>(cfg_.agent_reregister_timeout).count();
    std::vector<std::pair<std::string, double>> figures = {
        {"tasks_launched", static_cast<double>(tasks.size())},
        {"long_tasks", static_cast<double>(long_running)},
        {"ends_lost", static_cast<double>(lost)},
        {"ends_heard_from_agent", static_cast<double>(heard_from_agent)},
        {"out_of_order", static_cast<double>(out_of_order)},
        {"contradicting_ends", static_cast<double>(contradicting)},
        {"running_after_end", static_cast<double>(running_after_end)},
        {"whole", whole ? 1.0 : 0.0},
        {"whole_after_s", whole ? *whole : -1},
        {"whole_goal_s", goal},
        {"restarts_by_supervisor", static_cast<double>(restarts_by_supervisor_)},
        {"peak_node_rss_kib", static_cast<double>(peak)}};
    for (auto& [kind, n] : faults_)
      figures.emplace_back("faults_" + kind, static_cast<double>(n));
    print_result("soak",
                 {number("minutes", cfg_.minutes),
                  number("seed", static_cast<double>(cfg_.seed)), number("masters", 3),
                  number("agents", 3),
                  word("cuts", network_.namespaces() ? "yes" : network_.why_not())},
                 figures);
  }

  void stop_all() {
    detector_.reset();
    framework_node_.reset();
    for (auto* group : {&agents_, &masters_})
      for (auto& p : *group) {
        p->resume();
        p->kill();
      }
    for (auto pid : working_in(dir_ + "/"))
      ::kill(pid, SIGKILL);
  }

  const soak_config& cfg_;
  std::mt19937_64 random_;
  soak_network network_;
  std::string mensa_;
  std::string dir_;
  std::string zk_url_;
  std::vector<std::unique_ptr<soak_process>> masters_;
  std::vector<std::unique_ptr<soak_process>> agents_;
  soak_journal journal_;
  std::unique_ptr<runtime::node> framework_node_;
  std::unique_ptr<common::master_detector> detector_;
  std::map<std::string, uint64_t> faults_;
  uint64_t restarts_by_supervisor_ = 0;
  clock_type::time_point last_fault_;
};

}  // namespace

}  // namespace mensa::bench

int main(int argc, char** argv) {
  mensa::bench::soak_config cfg;
  if (auto code = cfg.parse_command_line("tools/bench/soak", argc, argv); code >= 0)
    return code;
  signal(SIGPIPE, SIG_IGN);
  try {
    return mensa::bench::soak(cfg).run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tools/bench/soak: %s\n", e.what());
    return 1;
  }
}
