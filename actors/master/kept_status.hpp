#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "mensa/v1/mensa.pb.h"

namespace mensa::master {

/// The 16 bytes of a status update's uuid, as mensa's agents make them.
using uuid_bytes = std::array<char, 16>;

/// Returns whether `text` is 16 bytes long and puts them in `out`.
bool to_uuid_bytes(const std::string& text, uuid_bytes& out);

/// Returns the 16 bytes as a string, as a status update carries them.
inline std::string uuid_text(const uuid_bytes& uuid) {
  return std::string(uuid.begin(), uuid.end());
}

/// One status in a task's history as the master keeps it (Mesos's
/// `Task.statuses`), without the task's IDs, which its record has: the
/// state, source, reason, time and a 16-byte uuid apart, anything else
/// (a message, health, a uuid of another length, more from an agent's
/// report) in `rest`, null when there is none. A history entry costs a
/// third of a `v1::TaskStatus` with its uuid.
struct kept_status {
  /// When it was made (seconds since the epoch), if `has_timestamp`.
  double timestamp = 0;
  /// Its uuid, if `has_uuid`.
  uuid_bytes uuid{};
  /// The rest of the status: none of the fields kept apart are set in it.
  std::shared_ptr<const v1::TaskStatus> rest;
  v1::TaskState state = v1::TASK_STAGING;
  /// The reason and source, -1 when the status has none.
  int16_t reason = -1;
  int8_t source = -1;
  /// Whether it has a timestamp, and a 16-byte uuid in `uuid`.
  bool has_timestamp = false;
  bool has_uuid = false;

  /// What the master keeps of a status update it forwards: state, source,
  /// reason, message, time, uuid and health (the labels and data stay with
  /// the update the framework got, as Mesos drops the data too).
  static kept_status of_update(const v1::TaskStatus& status);

  /// All of a status an agent reported, but its task ID.
  static kept_status whole(v1::TaskStatus status);

  /// Returns whether its uuid (here or in `rest`) is `other`.
  bool has_uuid_equal_to(const std::string& other) const;

  /// Returns the status it keeps, without a task ID.
  v1::TaskStatus to_status() const;
};

}  // namespace mensa::master
