#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <functional>
#include <string_view>
#include <unordered_map>

#include "runtime/address.hpp"

namespace mensa::runtime {

/// The handlers of one process, one per protobuf message type: the table a
/// reader consults to know which messages a process takes.
class handler_table {
 public:
  /// Handles a message whose dynamic type is the installed one.
  using handler =
      std::function<void(const address& from, const google::protobuf::Message&)>;

  /// One installed handler and the prototype that parses its type.
  struct entry {
    const google::protobuf::Message* prototype;
    handler fn;
  };

  /// Installs `fn` for messages of `prototype`'s type, replacing any
  /// previous handler for it. `prototype` must be a generated default
  /// instance (it outlives the table).
  void install(const google::protobuf::Message& prototype, handler fn);

  /// Returns the handler for a message from this OS process, or null.
  const entry* find(const google::protobuf::Descriptor* type) const {
    auto i = by_type_.find(type);
    return i == by_type_.end() ? nullptr : &i->second;
  }

  /// Returns the handler for a full type name from the wire, or null.
  const entry* find(std::string_view type_name) const {
    auto i = by_name_.find(type_name);
    return i == by_name_.end() ? nullptr : i->second;
  }

 private:
  std::unordered_map<const google::protobuf::Descriptor*, entry> by_type_;
  // Keys view the descriptors' own names, which live as long as the program.
  std::unordered_map<std::string_view, const entry*> by_name_;
};

}  // namespace mensa::runtime
