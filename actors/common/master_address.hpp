#pragma once

#include <string_view>

#include "runtime/address.hpp"
#include "runtime/expected.hpp"

namespace mensa::common {

/// Parses where a master is, as users write it: `HOST:PORT`, or a full
/// address `master@HOST:PORT`. Fails with a message that quotes `text`.
runtime::expected<runtime::address> parse_master_address(std::string_view text);

}  // namespace mensa::common
