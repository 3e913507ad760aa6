#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/expected.hpp"

namespace mensa::common {

/// Checks a role name by Mesos's rules: `*` or a path of components
/// separated by `/`; no component empty, `.` or `..`, none starting with
/// `-`; no whitespace, backslash or control characters.
runtime::expected<void> validate_role(std::string_view role);

/// Returns whether `ancestor` is `role` or one of its ancestors
/// (`a` and `a/b` for `a/b/c`).
bool is_same_or_ancestor(std::string_view ancestor, std::string_view role);

/// Returns the role's line from the top: `a`, `a/b`, `a/b/c` for `a/b/c`.
std::vector<std::string> lineage(const std::string& role);

}  // namespace mensa::common
