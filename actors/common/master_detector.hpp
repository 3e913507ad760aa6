#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "runtime/address.hpp"
#include "runtime/process_handle.hpp"
#include "runtime/zookeeper.hpp"
#include "runtime/zookeeper_loop.hpp"

namespace mensa::common {

/// Follows which master leads the ZooKeeper group at `url` (see
/// master_group.hpp) and reports each change to `on_change`, on a thread
/// of its own: the leader's address, or the empty address while none
/// leads. While cut off from ZooKeeper it keeps the last leader it saw
/// (the session may yet come back). What agents and schedulers started
/// with `--master=zk://...` find their master by.
class master_detector final : runtime::zookeeper_loop {
 public:
  using callback = std::function<void(const runtime::address&)>;

  master_detector(runtime::zookeeper_url url, std::chrono::milliseconds session_timeout,
                  callback on_change);
  ~master_detector() override;

 private:
  bool step(runtime::zookeeper_session& session) override;

  runtime::zookeeper_url url_;
  callback on_change_;
  std::optional<runtime::address> reported_;
  /// When the session stopped being connected (for a warning if that lasts).
  std::optional<std::chrono::steady_clock::time_point> waiting_since_;
  bool said_waiting_ = false;
};

/// Returns a callback that hands each change to `follow_master` of the
/// process behind `handle` (a `P`), inside it.
template <class P>
master_detector::callback follow_in(runtime::process_handle handle) {
  return [handle](const runtime::address& master) {
    handle.dispatch<P>([master](P& target) { target.follow_master(master); });
  };
}

/// Asks ZooKeeper once which master leads the group at `url`, waiting up
/// to `timeout` to connect; fails if none leads or ZooKeeper cannot say.
/// What a one-off operator command needs, rather than a detector.
runtime::expected<runtime::address> find_leading_master(
    const runtime::zookeeper_url& url, std::chrono::milliseconds timeout);

/// How long a session with ZooKeeper outlives a lost connection by
/// default (Mesos's `--zk_session_timeout`).
inline constexpr std::chrono::milliseconds default_zk_session_timeout{10000};

}  // namespace mensa::common
