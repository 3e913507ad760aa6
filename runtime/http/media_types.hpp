#pragma once

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <string_view>

#include "runtime/http/request.hpp"

namespace mensa::runtime::http {

/// How a Mesos API message travels: JSON or protobuf bytes.
enum class encoding { json, protobuf };

/// Returns the encoding a body of `Content-Type: content_type` has
/// ("application/json", "application/x-protobuf"), or none for any other.
std::optional<encoding> body_encoding(std::string_view content_type);

/// Returns the encoding an answer to `r` takes by its `Accept` field: JSON
/// when it accepts JSON (or says nothing), else protobuf when it accepts
/// that, else none (406), as Mesos chooses.
std::optional<encoding> answer_encoding(const request& r);

/// Returns the content type of `e`.
std::string_view content_type_of(encoding e);

/// Returns `message` in `e` (JSON as Mesos renders it).
std::string encode(const google::protobuf::Message& message, encoding e);

/// Returns `record` framed as RecordIO: its length in decimal, '\n', then
/// the record.
std::string recordio(std::string_view record);

}  // namespace mensa::runtime::http
