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

}  // namespace mensa::common
