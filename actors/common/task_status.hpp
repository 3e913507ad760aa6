#pragma once

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

}  // namespace mensa::common
