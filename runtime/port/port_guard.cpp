#include "runtime/port/port_guard.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "runtime/log.hpp"

namespace mensa::runtime::port {

namespace {

// The process's limit of open descriptors.
std::size_t descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return 1 << 20;
  return static_cast<std::size_t>(limit.rlim_cur);
}

int open_spare() {
  return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

}  // namespace

const char* to_string(refusal reason) {
  switch (reason) {
    case refusal::too_many_unidentified:
      return "too_many_unidentified";
    case refusal::out_of_descriptors:
      return "out_of_descriptors";
    case refusal::handshake_timeout:
      return "handshake_timeout";
    case refusal::unknown_protocol:
      return "unknown_protocol";
    case refusal::bad_handshake:
      return "bad_handshake";
  }
  return "unknown";
}

const char* to_string(frame_drop reason) {
  switch (reason) {
    case frame_drop::oversize:
      return "oversize";
    case frame_drop::malformed:
      return "malformed";
  }
  return "unknown";
}

port_guard::port_guard(const port_limits& limits, metrics_registry& metrics,
                       std::shared_ptr<tls_context> tls,
                       std::shared_ptr<const http::router> routes)
    : limits_(limits),
      tls_(std::move(tls)),
      routes_(std::move(routes)),
      spare_fd_(open_spare()),
      unidentified_(
          clock_,
          std::max<std::size_t>(
              1, std::min(limits.max_unidentified, descriptor_limit() / 4)),
          limits.handshake_timeout, [this](unidentified_connections::cause why) {
            if (why == unidentified_connections::cause::deadline)
              refused(refusal::handshake_timeout, "",
                      "no handshake (or HTTP request) within --handshake_timeout");
            else
              refused(refusal::too_many_unidentified, "",
                      std::to_string(unidentified_.limit()) +
                          " connections were waiting to identify "
                          "themselves: the one waiting longest made room");
          }) {
  for (int i = 0; i < 5; ++i)
    refusals_[i].count = &metrics.counter(
        std::string("runtime/connections_refused/") +
            to_string(static_cast<refusal>(i)),
        "connections the node's port closed before they identified themselves");
  for (int i = 0; i < 2; ++i)
    drops_[i].count = &metrics.counter(
        std::string("runtime/frames_dropped/") + to_string(static_cast<frame_drop>(i)),
        "frames of the actor protocol dropped before CAF parsed them");
}

port_guard::~port_guard() {
  auto fd = spare_fd_.exchange(-1);
  if (fd >= 0)
    ::close(fd);
}

void port_guard::report(event_counter& event, std::string_view what,
                        std::string_view peer, std::string_view detail) {
  event.count->increment();
  auto seen = event.seen.fetch_add(1, std::memory_order_relaxed) + 1;
  // The first ten, then every thousandth: a flood of bad input must not
  // flood the log; the counters keep the exact numbers.
  if (seen > 10 && seen % 1000 != 0)
    return;
  std::string line(what);
  if (!peer.empty())
    line.append(" from ").append(peer);
  line.append(": ").append(detail);
  if (seen > 1)
    line.append(" (").append(std::to_string(seen)).append(" so far)");
  log(log_level::warning, "port", line);
}

void port_guard::refused(refusal reason, std::string_view peer,
                         std::string_view detail) {
  report(refusals_[static_cast<int>(reason)], "closed a connection", peer, detail);
}

void port_guard::dropped(frame_drop reason, std::string_view peer,
                         std::string_view detail) {
  report(drops_[static_cast<int>(reason)], "dropped a frame", peer, detail);
}

bool port_guard::shed_connection(int listen_fd) {
  auto spare = spare_fd_.exchange(-1);
  if (spare < 0)
    spare = open_spare();
  if (spare >= 0)
    ::close(spare);
  auto fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0)
    ::close(fd);
  spare_fd_.store(open_spare());
  auto shed = fd >= 0;
  report(refusals_[static_cast<int>(refusal::out_of_descriptors)],
         "closed a connection", "",
         "the process has no file descriptor left (limit " +
             std::to_string(descriptor_limit()) + ")");
  return shed;
}

}  // namespace mensa::runtime::port
