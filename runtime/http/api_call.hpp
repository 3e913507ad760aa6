#pragma once

#include <google/protobuf/message.h>

#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "runtime/http/media_types.hpp"
#include "runtime/http/request.hpp"
#include "runtime/http/response.hpp"

namespace mensa::runtime::http {

/// Returns empty when `present`, else Mesos's "Expecting '<field>' to be
/// present" (a call's validation).
std::string expecting(bool present, std::string_view field);

/// Returns what is wrong with a parsed call, or empty.
using call_validator = std::function<std::string(const google::protobuf::Message&)>;

/// Reads the call a Mesos v1 API request carries (`POST /api/v1`,
/// `/api/v1/scheduler`), with Mesos's checks in Mesos's order: the method
/// (405), a `Content-Type` (400) that is JSON or protobuf (415), a body
/// that parses into `call` (400), `validate` (400 "Failed to validate
/// <what>: ..."), and an `Accept` that allows JSON or protobuf (406).
/// Returns the encoding to answer in, or the refusal to send.
std::variant<encoding, response> read_call(const request& r,
                                           google::protobuf::Message& call,
                                           std::string_view what,
                                           const call_validator& validate);

}  // namespace mensa::runtime::http
