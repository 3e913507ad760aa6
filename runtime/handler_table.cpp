#include "runtime/handler_table.hpp"

namespace mensa::runtime {

void handler_table::install(const google::protobuf::Message& prototype, handler fn) {
  auto* type = prototype.GetDescriptor();
  auto& slot = by_type_[type];
  slot.prototype = &prototype;
  slot.fn = std::move(fn);
  by_name_[type->full_name()] = &slot;
}

}  // namespace mensa::runtime
