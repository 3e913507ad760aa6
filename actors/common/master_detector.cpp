#include "actors/common/master_detector.hpp"

#include "actors/common/master_group.hpp"
#include "runtime/log.hpp"

namespace mensa::common {

namespace {

/// Returns what the leading member znode under `path` holds, or nothing
/// if none leads; `watch` asks to hear when the members change. Fails if
/// ZooKeeper does, or if the leader went between two reads (its children
/// watch fires).
runtime::expected<std::optional<std::string>> leader_data(
    runtime::zookeeper_session& session, const std::string& path, bool watch) {
  auto names = session.children(path, watch);
  if (!names)
    return names.error();
  auto member = leading_member(*names);
  if (!member)
    return std::optional<std::string>{};
  auto data = session.get(path + "/" + *member, false);
  if (!data)
    return data.error();
  if (!data->has_value())
    return runtime::failure{"the leading master " + path + "/" + *member +
                            " went meanwhile"};
  return data;
}

}  // namespace

master_detector::master_detector(runtime::zookeeper_url url,
                                 std::chrono::milliseconds session_timeout,
                                 callback on_change)
    : zookeeper_loop(url.servers, session_timeout),
      url_(std::move(url)),
      on_change_(std::move(on_change)) {
  start();
}

master_detector::~master_detector() {
  stop();
}

bool master_detector::step(runtime::zookeeper_session& session) {
  if (session.current() != runtime::zookeeper_session::state::connected) {
    auto now = std::chrono::steady_clock::now();
    if (!waiting_since_)
      waiting_since_ = now;
    if (!reported_ && !said_waiting_ &&
        now - *waiting_since_ >= std::chrono::seconds(2)) {
      said_waiting_ = true;
      runtime::log(
          runtime::log_level::warning, "detector",
          "waiting for ZooKeeper at " + url_.servers + " to say which master leads");
    }
    return true;
  }
  waiting_since_.reset();
  auto data = leader_data(session, url_.path, true);
  if (!data) {
    runtime::log(runtime::log_level::warning, "detector", data.error().message);
    return true;
  }
  runtime::address leader;
  if (*data) {
    auto address = member_address(**data);
    if (!address) {
      runtime::log(runtime::log_level::error, "detector",
                   url_.str() + ": " + address.error().message);
      return false;
    }
    leader = *address;
  }
  if (reported_ && *reported_ == leader)
    return false;
  reported_ = leader;
  runtime::log(runtime::log_level::info, "detector",
               leader.empty() ? "no master leads " + url_.str()
                              : "the leading master is " + leader.str());
  on_change_(leader);
  return false;
}

runtime::expected<runtime::address> find_leading_master(
    const runtime::zookeeper_url& url, std::chrono::milliseconds timeout) {
  auto session = runtime::zookeeper_session::start(url.servers, timeout, {});
  if (!session)
    return session.error();
  if (!(*session)->wait_connected(timeout))
    return runtime::failure{"cannot reach ZooKeeper at " + url.servers};
  auto data = leader_data(**session, url.path, false);
  if (!data)
    return data.error();
  if (!*data)
    return runtime::failure{"no master leads " + url.str()};
  return member_address(**data);
}

}  // namespace mensa::common
