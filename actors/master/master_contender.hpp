#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "mensa/v1/mensa.pb.h"
#include "runtime/zookeeper.hpp"
#include "runtime/zookeeper_loop.hpp"

namespace mensa::master {

/// Contends for leadership of the masters' ZooKeeper group at `url` (see
/// actors/common/master_group.hpp): keeps an ephemeral member znode
/// holding `info`, and leads once it is the lowest. Tells `on_elected`
/// once it leads (with the session and the member znode, the fence a
/// `runtime::zookeeper_log` writes under), and `on_lost` once it no
/// longer does: its znode or its session went, or it was cut off from
/// ZooKeeper for as long as the session timeout (by then another master
/// may lead). Both run on the contender's thread; after `on_lost` it does
/// nothing more. A master that loses leadership steps down: it cannot
/// tell what the next leader did meanwhile.
class master_contender final : runtime::zookeeper_loop {
 public:
  using elected_callback = std::function<void(
      std::shared_ptr<runtime::zookeeper_session> session, const std::string& member)>;
  using lost_callback = std::function<void(const std::string& why)>;

  master_contender(runtime::zookeeper_url url,
                   std::chrono::milliseconds session_timeout,
                   const v1::MasterInfo& info, elected_callback on_elected,
                   lost_callback on_lost);
  ~master_contender() override;

 private:
  bool step(runtime::zookeeper_session& session) override;
  bool expired() override;
  /// Finds a member znode this session made already (a create whose
  /// answer was lost), or makes one; returns whether there is one.
  bool join(runtime::zookeeper_session& session);
  void lose(const std::string& why);

  runtime::zookeeper_url url_;
  std::string data_;
  elected_callback on_elected_;
  lost_callback on_lost_;
  /// The member znode's full path (empty until made).
  std::string member_;
  bool elected_ = false;
  bool lost_ = false;
  std::optional<std::chrono::steady_clock::time_point> disconnected_since_;
};

}  // namespace mensa::master
