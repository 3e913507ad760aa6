#include "actors/common/master_address.hpp"

#include <string>

namespace mensa::common {

runtime::expected<runtime::address> parse_master_address(std::string_view text) {
  auto full = std::string(text);
  if (full.find('@') == std::string::npos)
    full = "master@" + full;
  auto parsed = runtime::address::parse(full);
  if (!parsed)
    return runtime::failure{"invalid master address '" + std::string(text) +
                            "': expected HOST:PORT"};
  return parsed;
}

runtime::expected<master_source> parse_master_source(std::string_view text) {
  if (runtime::zookeeper_url::names_one(text)) {
    auto group = runtime::zookeeper_url::parse(text);
    if (!group)
      return group.error();
    return master_source{{}, std::move(*group)};
  }
  auto fixed = parse_master_address(text);
  if (!fixed)
    return fixed.error();
  return master_source{*fixed, std::nullopt};
}

}  // namespace mensa::common
