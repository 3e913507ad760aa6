#pragma once

#include <string>
#include <vector>

#include "mensa/v1/mensa.pb.h"

namespace mensa::common {

/// Returns the framework's roles: `roles` with MULTI_ROLE, else `role`.
std::vector<std::string> roles_of(const v1::FrameworkInfo& info);

/// Returns whether the framework declared `capability`.
bool has_capability(const v1::FrameworkInfo& info,
                    v1::FrameworkInfo::Capability::Type capability);

}  // namespace mensa::common
