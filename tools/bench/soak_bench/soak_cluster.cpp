#include "tools/bench/soak_bench/soak_cluster.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace mensa::bench {

namespace {

// Returns what `path` under /proc holds, or nothing when its process has
// gone meanwhile (libstdc++'s streams throw on that read error, ESRCH).
std::string read_proc_file(const std::string& path) {
  std::string text;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0)
    text.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return text;
}

using namespace std::chrono_literals;

bool run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

soak_process::soak_process(std::string name, std::vector<std::string> argv,
                           std::string ip, uint16_t port)
    : name_(std::move(name)), argv_(std::move(argv)), ip_(std::move(ip)), port_(port) {}

bool soak_process::start() {
  kill();
  auto started = runtime::testing::child_process::start(argv_);
  if (!started)
    return false;
  child_.emplace(std::move(*started));
  stopped_ = false;
  return static_cast<bool>(child_->wait_for_line_containing("listening at", 60s));
}

void soak_process::kill() {
  if (!child_)
    return;
  child_->signal(SIGKILL);
  static_cast<void>(child_->wait(30s));
  child_.reset();
  stopped_ = false;
}

void soak_process::stop() {
  if (child_ && !stopped_) {
    child_->signal(SIGSTOP);
    stopped_ = true;
  }
}

void soak_process::resume() {
  if (child_ && stopped_) {
    child_->signal(SIGCONT);
    stopped_ = false;
  }
}

bool soak_process::alive() {
  if (!child_)
    return false;
  return ::kill(child_->pid(), 0) == 0 && !child_->wait(0ms);
}

long soak_process::peak_kib() const {
  if (!child_)
    return 0;
  std::istringstream status(
      read_proc_file("/proc/" + std::to_string(child_->pid()) + "/status"));
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stol(line.substr(6));
  return 0;
}

soak_network::soak_network(std::size_t agents) : agents_(agents) {
  if (geteuid() != 0) {
    why_not_ = "not root: network namespaces cannot be made, agents are not cut off";
    return;
  }
  auto id = getpid() % 10000;
  tag_ = std::to_string(id);
  subnet_ = "10.203." + std::to_string(id % 250) + ".";
  bridge_ = "msoak" + tag_;
  host_ip_ = subnet_ + "1";
  bool ok = run("ip link add " + bridge_ + " type bridge") &&
            run("ip addr add " + host_ip_ + "/24 dev " + bridge_) &&
            run("ip link set " + bridge_ + " up");
  for (std::size_t i = 0; ok && i < agents_; ++i)
    ok =
        run("ip netns add " + namespace_of(i)) &&
        run("ip netns exec " + namespace_of(i) + " ip link set lo up") &&
        run("ip link add " + link_of(i) + " type veth peer name i" + link_of(i)) &&
        run("ip link set i" + link_of(i) + " netns " + namespace_of(i)) &&
        run("ip link set " + link_of(i) + " master " + bridge_) &&
        run("ip link set " + link_of(i) + " up") &&
        run("ip netns exec " + namespace_of(i) + " ip addr add " + agent_ip(i) +
            "/24 dev i" + link_of(i)) &&
        run("ip netns exec " + namespace_of(i) + " ip link set i" + link_of(i) + " up");
  if (!ok) {
    why_not_ = "cannot make network namespaces (ip netns, veth, bridge)";
    remove();
    host_ip_ = "127.0.0.1";
    return;
  }
  namespaces_ = true;
}

soak_network::~soak_network() {
  remove();
}

void soak_network::remove() {
  if (tag_.empty())
    return;
  for (std::size_t i = 0; i < agents_; ++i) {
    run("ip link del " + link_of(i));
    run("ip netns del " + namespace_of(i));
  }
  run("ip link del " + bridge_);
  tag_.clear();
}

std::string soak_network::agent_ip(std::size_t i) const {
  return subnet_.empty() || !why_not_.empty() ? "127.0.0.1"
                                              : subnet_ + std::to_string(10 + i);
}

std::vector<std::string> soak_network::agent_prefix(std::size_t i) const {
  if (!namespaces_)
    return {};
  return {"/usr/sbin/ip", "netns", "exec", namespace_of(i)};
}

bool soak_network::cut(std::size_t i) {
  return namespaces_ && run("ip link set " + link_of(i) + " down");
}

bool soak_network::heal(std::size_t i) {
  return namespaces_ && run("ip link set " + link_of(i) + " up");
}

std::string soak_network::link_of(std::size_t i) const {
  return "msk" + tag_ + "a" + std::to_string(i);
}

std::string soak_network::namespace_of(std::size_t i) const {
  return "mensa-soak-" + tag_ + "-" + std::to_string(i);
}

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> result;
  for (auto& entry : std::filesystem::directory_iterator("/proc")) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    auto text = read_proc_file(entry.path() / "stat");
    auto close = text.rfind(')');
    if (close == std::string::npos)
      continue;
    std::istringstream rest(text.substr(close + 2));
    std::string state;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == pid)
      result.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return result;
}

std::vector<pid_t> working_in(const std::string& directory) {
  std::vector<pid_t> result;
  for (auto& entry : std::filesystem::directory_iterator("/proc")) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::error_code error;
    auto cwd = std::filesystem::read_symlink(entry.path() / "cwd", error);
    if (!error && cwd.string().rfind(directory, 0) == 0)
      result.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return result;
}

uint16_t free_port(const std::string& ip) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in where{};
  where.sin_family = AF_INET;
  where.sin_port = 0;
  inet_pton(AF_INET, ip.c_str(), &where.sin_addr);
  uint16_t port = 0;
  socklen_t length = sizeof(where);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&where), sizeof(where)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&where), &length) == 0)
    port = ntohs(where.sin_port);
  ::close(fd);
  return port;
}

}  // namespace mensa::bench
