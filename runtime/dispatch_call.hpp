#pragma once

#include <functional>

#include "caf/allowed_unsafe_message_type.hpp"

namespace mensa::runtime {

class process;

/// A function to run inside a process (see dispatch.hpp). It never leaves
/// its OS process: CAF refuses to serialize it.
struct dispatch_call {
  std::function<void(process&)> fn;
};

}  // namespace mensa::runtime

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mensa::runtime::dispatch_call)
