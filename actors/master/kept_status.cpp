#include "actors/master/kept_status.hpp"

#include <algorithm>

#include "actors/master/set_fields.hpp"

namespace mensa::master {

namespace {

// The fields `status` has that a kept status holds apart.
kept_status fields_apart(const v1::TaskStatus& status) {
  kept_status kept;
  kept.state = status.state();
  if (status.has_source())
    kept.source = static_cast<int8_t>(status.source());
  if (status.has_reason())
    kept.reason = static_cast<int16_t>(status.reason());
  kept.has_timestamp = status.has_timestamp();
  kept.timestamp = status.timestamp();
  if (status.has_uuid())
    kept.has_uuid = to_uuid_bytes(status.uuid(), kept.uuid);
  return kept;
}

}  // namespace

bool to_uuid_bytes(const std::string& text, uuid_bytes& out) {
  if (text.size() != out.size())
    return false;
  std::copy(text.begin(), text.end(), out.begin());
  return true;
}

kept_status kept_status::of_update(const v1::TaskStatus& status) {
  auto kept = fields_apart(status);
  bool odd_uuid = status.has_uuid() && !kept.has_uuid;
  if (status.has_message() || status.has_healthy() || odd_uuid) {
    auto rest = std::make_shared<v1::TaskStatus>();
    if (status.has_message())
      rest->set_message(status.message());
    if (status.has_healthy())
      rest->set_healthy(status.healthy());
    if (odd_uuid)
      rest->set_uuid(status.uuid());
    kept.rest = std::move(rest);
  }
  return kept;
}

kept_status kept_status::whole(v1::TaskStatus status) {
  auto kept = fields_apart(status);
  if (kept.has_uuid)
    status.clear_uuid();
  status.clear_task_id();
  status.clear_state();
  status.clear_source();
  status.clear_reason();
  status.clear_timestamp();
  kept.rest = copy_of_set_fields(status);
  return kept;
}

bool kept_status::has_uuid_equal_to(const std::string& other) const {
  if (has_uuid)
    return other.size() == uuid.size() &&
           std::equal(uuid.begin(), uuid.end(), other.begin());
  return rest && rest->has_uuid() && rest->uuid() == other;
}

v1::TaskStatus kept_status::to_status() const {
  v1::TaskStatus status;
  if (rest)
    status = *rest;
  status.set_state(state);
  if (source >= 0)
    status.set_source(static_cast<v1::TaskStatus::Source>(source));
  if (reason >= 0)
    status.set_reason(static_cast<v1::TaskStatus::Reason>(reason));
  if (has_timestamp)
    status.set_timestamp(timestamp);
  if (has_uuid)
    status.set_uuid(uuid_text(uuid));
  return status;
}

}  // namespace mensa::master
