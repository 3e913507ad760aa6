#include "actors/master/master_contender.hpp"

#include <algorithm>

#include "actors/common/master_group.hpp"
#include "runtime/log.hpp"

namespace mensa::master {

master_contender::master_contender(runtime::zookeeper_url url,
                                   std::chrono::milliseconds session_timeout,
                                   const v1::MasterInfo& info,
                                   elected_callback on_elected, lost_callback on_lost)
    : zookeeper_loop(url.servers, session_timeout),
      url_(std::move(url)),
      data_(common::member_data(info)),
      on_elected_(std::move(on_elected)),
      on_lost_(std::move(on_lost)) {
  start();
}

master_contender::~master_contender() {
  stop();
}

void master_contender::lose(const std::string& why) {
  lost_ = true;
  runtime::log(runtime::log_level::error, "contender", "lost leadership: " + why);
  on_lost_(why);
}

bool master_contender::expired() {
  if (elected_) {
    lose("its ZooKeeper session expired");
    return false;
  }
  member_.clear();  // It went with the session.
  return true;
}

bool master_contender::join(runtime::zookeeper_session& session) {
  if (!member_.empty())
    return true;
  auto warn = [](const std::string& message) {
    runtime::log(runtime::log_level::warning, "contender", message);
    return false;
  };
  if (auto made = session.create_path(url_.path); !made)
    return warn(made.error().message);
  auto names = session.children(url_.path, false);
  if (!names)
    return warn(names.error().message);
  for (auto& name : *names) {
    if (name.compare(0, common::master_member_prefix.size(),
                     common::master_member_prefix) != 0)
      continue;
    auto data = session.get(url_.path + "/" + name, false);
    if (data && data->has_value() && **data == data_) {
      member_ = url_.path + "/" + name;
      return true;
    }
  }
  auto created = session.create(
      url_.path + "/" + std::string(common::master_member_prefix), data_, true, true);
  if (!created)
    return warn(created.error().message);
  member_ = *created;
  runtime::log(runtime::log_level::info, "contender",
               "contending for leadership as " + member_);
  return true;
}

bool master_contender::step(runtime::zookeeper_session& session) {
  if (lost_)
    return false;
  if (session.current() != runtime::zookeeper_session::state::connected) {
    if (!elected_)
      return true;
    auto now = std::chrono::steady_clock::now();
    if (!disconnected_since_)
      disconnected_since_ = now;
    else if (now - *disconnected_since_ >= session.session_timeout())
      lose("cut off from ZooKeeper for the session timeout (" +
           std::to_string(session.session_timeout().count()) + " ms)");
    return !lost_;
  }
  disconnected_since_.reset();
  if (!join(session))
    return true;
  auto names = session.children(url_.path, true);
  if (!names) {
    runtime::log(runtime::log_level::warning, "contender", names.error().message);
    return true;
  }
  auto mine = member_.substr(url_.path.size() + 1);
  if (std::find(names->begin(), names->end(), mine) == names->end()) {
    if (elected_) {
      lose("its member znode " + member_ + " is gone");
      return false;
    }
    member_.clear();
    return true;
  }
  if (!elected_ && common::leading_member(*names) == mine) {
    elected_ = true;
    runtime::log(runtime::log_level::info, "contender",
                 "elected: " + member_ + " leads");
    on_elected_(zookeeper_loop::session(), member_);
  }
  return false;
}

}  // namespace mensa::master
