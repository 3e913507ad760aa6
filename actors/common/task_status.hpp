#pragma once

#include <cstdint>
#include <string>

#include "mensa/v1/mensa.pb.h"

namespace mensa::common {

/// Builds a task status (without uuid; reliable updates add one).
v1::TaskStatus make_status(const v1::TaskID& task, v1::TaskState state,
                           v1::TaskStatus::Source source, double timestamp,
                           const std::string& message = {});

/// Builds a status with a reason.
v1::TaskStatus make_status(const v1::TaskID& task, v1::TaskState state,
                           v1::TaskStatus::Source source, v1::TaskStatus::Reason reason,
                           double timestamp, const std::string& message = {});

/// Makes the 16 bytes of a random (version 4) UUID from two random numbers.
std::string make_uuid(uint64_t high, uint64_t low);

/// Formats 16 UUID bytes as 8-4-4-4-12 hex, for logs and IDs.
std::string format_uuid(const std::string& bytes);

}  // namespace mensa::common
