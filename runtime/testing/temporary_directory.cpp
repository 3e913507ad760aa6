#include "runtime/testing/temporary_directory.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstring>

namespace mensa::runtime::testing {

expected<std::string> make_temporary_directory(const std::string& label) {
  std::string pattern = "/tmp/mensa-" + label + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr)
    return failure{"cannot make a directory under /tmp: " +
                   std::string(std::strerror(errno))};
  return pattern;
}

}  // namespace mensa::runtime::testing
