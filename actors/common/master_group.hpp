#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mensa/v1/mensa.pb.h"
#include "runtime/address.hpp"
#include "runtime/expected.hpp"

namespace mensa::common {

// How masters meet in ZooKeeper, as Mesos's do: each contending master
// keeps an ephemeral sequential znode `json.info_N` under the group's path,
// holding its MasterInfo as JSON, and the lowest N leads. Agents and
// frameworks follow the leader by reading the same znodes.

/// The name of a member znode, before ZooKeeper's sequence number.
inline constexpr std::string_view master_member_prefix = "json.info_";

/// Returns the MasterInfo of the master at `master` whose ID is `id`.
v1::MasterInfo describe_master(const runtime::address& master, const std::string& id);

/// Returns the leading member among the names of the group's znodes (the
/// member with the lowest sequence number), or nothing if none is a member.
std::optional<std::string> leading_member(const std::vector<std::string>& names);

/// Returns what a member znode holds for `info`: its JSON.
std::string member_data(const v1::MasterInfo& info);

/// Parses what a member znode holds into the master's address; fails with
/// a message that says what is wrong.
runtime::expected<runtime::address> member_address(const std::string& data);

}  // namespace mensa::common
