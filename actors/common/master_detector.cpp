#include "actors/common/master_detector.hpp"

#include "actors/common/master_group.hpp"
#include "runtime/log.hpp"

namespace mensa::common {

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
  auto names = session.children(url_.path, true);
  if (!names) {
    runtime::log(runtime::log_level::warning, "detector", names.error().message);
    return true;
  }
  runtime::address leader;
  if (auto member = leading_member(*names)) {
    auto data = session.get(url_.path + "/" + *member, false);
    if (!data) {
      runtime::log(runtime::log_level::warning, "detector", data.error().message);
      return true;
    }
    if (!data->has_value())
      return true;  // It went meanwhile; its children watch fired.
    auto address = member_address(**data);
    if (!address) {
      runtime::log(runtime::log_level::error, "detector",
                   url_.path + "/" + *member + ": " + address.error().message);
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
  auto names = (*session)->children(url.path, false);
  if (!names)
    return names.error();
  auto member = leading_member(*names);
  if (!member)
    return runtime::failure{"no master leads " + url.str()};
  auto data = (*session)->get(url.path + "/" + *member, false);
  if (!data)
    return data.error();
  if (!data->has_value())
    return runtime::failure{"the leading master of " + url.str() + " just went"};
  return member_address(**data);
}

}  // namespace mensa::common
