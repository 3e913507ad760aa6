#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "runtime/address.hpp"
#include "runtime/expected.hpp"
#include "runtime/zookeeper.hpp"

namespace mensa::common {

/// Parses where a master is, as users write it: `HOST:PORT`, or a full
/// address `master@HOST:PORT`. Fails with a message that quotes `text`.
runtime::expected<runtime::address> parse_master_address(std::string_view text);

/// Where an agent or a framework finds its master: at a fixed address, or
/// whichever master leads a ZooKeeper group.
struct master_source {
  /// The fixed address (empty with a group).
  runtime::address fixed;
  std::optional<runtime::zookeeper_url> group;

  /// Returns the address or the URL, for messages.
  std::string str() const { return group ? group->str() : fixed.str(); }
};

/// Parses where the master is, as users write it: `HOST:PORT`,
/// `master@HOST:PORT` or `zk://HOST:PORT[,...]/PATH`. Fails with a message
/// that quotes `text`.
runtime::expected<master_source> parse_master_source(std::string_view text);

}  // namespace mensa::common
