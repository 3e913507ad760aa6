#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>

#include "google/protobuf/repeated_field.h"
#include "mensa/v1/master.pb.h"
#include "mensa/v1/mensa.pb.h"

namespace mensa::master::v0 {

/// The writer the v0 endpoints render with (rapidjson, compact, as Mesos's
/// own v0 writers since 1.7).
using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// Writes `key` (inside an object).
void key(json_writer& w, std::string_view name);

/// Writes `s` as a JSON string.
void string(json_writer& w, std::string_view s);

/// Writes `x` as a JSON number, 0 when it is not finite (JSON has no
/// infinities).
void number(json_writer& w, double x);

/// Writes a time as Mesos's v0 does: seconds since the epoch, a double.
void seconds(json_writer& w, const v1::TimeInfo& time);

/// Writes resources in Mesos's summary form: one key per name, `cpus`,
/// `gpus`, `mem` and `disk` always (0 when absent), scalars as numbers,
/// ranges as "[31000-32000, 33000-34000]", sets as "{a, b}", revocable
/// ones under `<name>_revocable`; reservations merged.
void resources(json_writer& w,
               const google::protobuf::RepeatedPtrField<v1::Resource>& resources);

/// Writes labels as `[{"key": ..., "value": ...}]`.
void labels(json_writer& w, const v1::Labels& labels);

/// Writes a task as Mesos's v0 endpoints do (id, name, framework_id,
/// executor_id, slave_id, state, resources, role, statuses, and user and
/// labels when set).
void task(json_writer& w, const v1::Task& task);

/// Writes an agent's identity (id, hostname, port, attributes), what
/// `recovered_slaves` lists and every agent object starts with.
void agent_info(json_writer& w, const v1::AgentInfo& info);

/// Writes the keys of an agent object after its identity: pid, times,
/// resources (total, used, offered, reserved by role, unreserved), active,
/// deactivated, version, capabilities. `w` is inside the object.
void agent_fields(json_writer& w, const v1::master::Response::GetAgents::Agent& agent);

/// Writes the keys every framework object has (Mesos's framework summary:
/// id, name, used and offered resources, capabilities, hostname,
/// webui_url, active, connected, recovered). `w` is inside the object.
void framework_summary_fields(
    json_writer& w, const v1::master::Response::GetFrameworks::Framework& framework);

/// Writes an executor as the full framework object lists it.
void executor(json_writer& w,
              const v1::master::Response::GetExecutors::Executor& executor);

/// Writes an offer (id, framework_id, allocation_info, slave_id,
/// resources).
void offer(json_writer& w, const v1::Offer& offer);

}  // namespace mensa::master::v0
