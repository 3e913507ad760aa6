#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

#include "runtime/expected.hpp"

namespace mensa::runtime::http {

/// Appends `message` to `out` as JSON the way Mesos renders protobufs
/// (stout's `JSON::protobuf`): fields by their proto names, the fields that
/// are set plus unset ones with an explicit default, enums by name, 64-bit
/// integers as numbers (protobuf's own printer quotes them, which Mesos
/// clients do not expect), bytes in base64.
void append_json(const google::protobuf::Message& message, std::string& out);

/// Returns `message` as JSON (see `append_json`).
std::string to_json(const google::protobuf::Message& message);

/// Parses JSON into `message` with protobuf's parser (proto or camelCase
/// names; numbers quoted or not), ignoring unknown keys as Mesos does;
/// fails saying what is wrong, including required fields left out.
expected<void> parse_json(std::string_view json, google::protobuf::Message& message);

/// Parses protobuf bytes into `message`; fails saying what is wrong,
/// including required fields left out.
expected<void> parse_protobuf(std::string_view bytes,
                              google::protobuf::Message& message);

/// Appends `s` to `out` as a JSON string (quoted and escaped).
void append_json_string(std::string_view s, std::string& out);

}  // namespace mensa::runtime::http
