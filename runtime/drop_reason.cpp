#include "runtime/drop_reason.hpp"

namespace mensa::runtime {

const char* to_string(drop_reason reason) {
  switch (reason) {
    case drop_reason::unknown_type:
      return "unknown_type";
    case drop_reason::unhandled:
      return "unhandled";
    case drop_reason::parse_error:
      return "parse_error";
    case drop_reason::oversize:
      return "oversize";
    case drop_reason::malformed_sender:
      return "malformed_sender";
    case drop_reason::unroutable:
      return "unroutable";
    case drop_reason::unexpected:
      return "unexpected";
    case drop_reason::filtered:
      return "filtered";
    case drop_reason::stale_sender:
      return "stale_sender";
  }
  return "unknown";
}

}  // namespace mensa::runtime
