#include "runtime/testing/zookeeper_server.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <optional>

#include "runtime/testing/temporary_directory.hpp"
#include "runtime/zookeeper.hpp"

namespace mensa::runtime::testing {

namespace {

constexpr const char* java = "/usr/bin/java";
constexpr const char* jar = "/usr/share/java/zookeeper.jar";

/// Returns a port of 127.0.0.1 nothing listens on now (0 if none is found).
uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  close(fd);
  return port;
}

}  // namespace

std::string zookeeper_server::missing() {
  if (access(java, X_OK) != 0)
    return std::string(java) + " is not installed (apt-get install zookeeperd)";
  if (access(jar, R_OK) != 0)
    return std::string(jar) + " is not installed (apt-get install zookeeperd)";
  return {};
}

expected<zookeeper_server> zookeeper_server::start(std::chrono::milliseconds timeout) {
  if (auto why = missing(); !why.empty())
    return failure{why};
  auto data = make_temporary_directory("zookeeper");
  if (!data)
    return data.error();
  auto port = free_port();
  if (port == 0)
    return failure{"no free port on 127.0.0.1 for ZooKeeper"};
  // ZooKeeperServerMain PORT DATADIR TICK: standalone, no admin server.
  auto started =
      child_process::start({java, "-Dzookeeper.admin.enableServer=false", "-cp",
                            std::string("/etc/zookeeper/conf:") + jar,
                            "org.apache.zookeeper.server.ZooKeeperServerMain",
                            std::to_string(port), *data, "500"});
  if (!started)
    return started.error();
  zookeeper_server server(std::move(*started), port);
  // It takes sessions once a client connects.
  auto probe = zookeeper_session::start(server.servers(), std::chrono::seconds(2), {});
  if (!probe)
    return probe.error();
  if (!(*probe)->wait_connected(timeout))
    return failure{"ZooKeeper did not take a session at " + server.servers() +
                   " in time"};
  return server;
}

expected<zookeeper_server*> zookeeper_server::shared() {
  static std::mutex mutex;
  static std::optional<zookeeper_server> server;
  static std::string why;
  std::lock_guard<std::mutex> guard(mutex);
  if (!server && why.empty()) {
    auto started = start(std::chrono::seconds(60));
    if (started)
      server.emplace(std::move(*started));
    else
      why = started.error().message;
  }
  if (!server)
    return failure{why};
  return &*server;
}

void zookeeper_server::kill() {
  java_.signal(SIGKILL);
  (void)java_.wait(std::chrono::seconds(30));
}

}  // namespace mensa::runtime::testing
