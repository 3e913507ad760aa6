#include "actors/common/framework_info.hpp"

#include <algorithm>

namespace mensa::common {

std::vector<std::string> roles_of(const v1::FrameworkInfo& info) {
  if (has_capability(info, v1::FrameworkInfo::Capability::MULTI_ROLE))
    return {info.roles().begin(), info.roles().end()};
  return {info.role()};
}

bool has_capability(const v1::FrameworkInfo& info,
                    v1::FrameworkInfo::Capability::Type capability) {
  return std::any_of(info.capabilities().begin(), info.capabilities().end(),
                     [&](const auto& c) { return c.type() == capability; });
}

}  // namespace mensa::common
