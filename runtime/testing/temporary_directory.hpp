#pragma once

#include <string>

#include "runtime/expected.hpp"

namespace mensa::runtime::testing {

/// Makes a fresh directory under /tmp for test files; returns its path.
expected<std::string> make_temporary_directory(const std::string& label);

}  // namespace mensa::runtime::testing
