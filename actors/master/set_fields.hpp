#pragma once

#include <memory>

namespace mensa::master {

/// Returns a copy of `message` holding only the fields set in it, or null
/// when none is. For what is left of a message whose other fields were
/// cleared: a cleared field keeps its storage, a fresh copy does not.
template <class M>
std::shared_ptr<const M> copy_of_set_fields(const M& message) {
  if (message.ByteSizeLong() == 0)
    return nullptr;
  auto copy = std::make_shared<M>();
  copy->CopyFrom(message);
  return copy;
}

}  // namespace mensa::master
