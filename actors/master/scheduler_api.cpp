// The scheduler HTTP API, POST /api/v1/scheduler: Mesos's checks in Mesos's
// order and status codes, then the same handlers actor schedulers reach.
// An HTTP framework's scheduler is a `scheduler_stream` process on this
// node: its subscription's stream.

#include "actors/common/uuid.hpp"
#include "actors/master/master_process.hpp"
#include "actors/master/scheduler_stream.hpp"
#include "runtime/http/api_call.hpp"
#include "runtime/node.hpp"

namespace mensa::master {

namespace {

using runtime::http::expecting;
using runtime::http::response;
using call_type = v1::scheduler::Call;

// What a call needs besides its type, as Mesos's validation checks;
// returns what is wrong, or empty.
std::string validate_call(const v1::scheduler::Call& call) {
  if (!call.has_type() || call.type() == call_type::UNKNOWN)
    return expecting(false, "type");
  if (call.type() == call_type::SUBSCRIBE) {
    if (!call.has_subscribe())
      return expecting(false, "subscribe");
    const auto& info = call.subscribe().framework_info();
    if (call.has_framework_id() &&
        (!info.has_id() || info.id().value() != call.framework_id().value()))
      return "'framework_id' differs from 'subscribe.framework_info.id'";
    return {};
  }
  if (!call.has_framework_id())
    return expecting(false, "framework_id");
  switch (call.type()) {
    case call_type::TEARDOWN:
    case call_type::REVIVE:
    case call_type::SUPPRESS:
    case call_type::RECONCILE:
    case call_type::REQUEST:
      return {};
    case call_type::ACCEPT:
      return expecting(call.has_accept(), "accept");
    case call_type::DECLINE:
      return expecting(call.has_decline(), "decline");
    case call_type::KILL:
      return expecting(call.has_kill(), "kill");
    case call_type::SHUTDOWN:
      return expecting(call.has_shutdown(), "shutdown");
    case call_type::ACKNOWLEDGE:
      if (!call.has_acknowledge())
        return expecting(false, "acknowledge");
      if (call.acknowledge().uuid().size() != 16)
        return "'acknowledge.uuid' must be 16 bytes";
      return {};
    case call_type::MESSAGE:
      return expecting(call.has_message(), "message");
    case call_type::UPDATE_FRAMEWORK:
      return expecting(call.has_update_framework(), "update_framework");
    default:
      return "mensa does not support " + call_type::Type_Name(call.type()) + " calls";
  }
}

}  // namespace

void master_process::on_scheduler_api(const runtime::http::request& request,
                                      const runtime::http::responder& out) {
  v1::scheduler::Call call;
  auto read = runtime::http::read_call(
      request, call, "scheduler::Call", [](const google::protobuf::Message& parsed) {
        return validate_call(static_cast<const v1::scheduler::Call&>(parsed));
      });
  if (auto* refusal = std::get_if<runtime::http::response>(&read)) {
    out.respond(std::move(*refusal));
    return;
  }
  auto answer_encoding = std::get<runtime::http::encoding>(read);
  if (call.type() == call_type::SUBSCRIBE) {
    subscribe_over_http(request, out, answer_encoding, call);
    return;
  }
  const auto& framework_id = call.framework_id().value();
  auto i = frameworks_.find(framework_id);
  if (i == frameworks_.end()) {
    out.respond(response::error(400, "Framework cannot be found"));
    return;
  }
  auto& framework = i->second;
  if (framework.state != framework_state::active) {
    out.respond(response::error(403, "Framework is not subscribed"));
    return;
  }
  auto stream_id = scheduler_stream::stream_id_of(framework.scheduler);
  if (stream_id.empty() || !local_node().is_local(framework.scheduler)) {
    out.respond(response::error(403, "Framework is not connected via HTTP"));
    return;
  }
  auto given = request.header("Mesos-Stream-Id");
  if (!given) {
    out.respond(response::error(
        400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header"));
    return;
  }
  if (*given != stream_id) {
    out.respond(
        response::error(400, "The stream ID '" + std::string(*given) +
                                 "' included in this request didn't match the "
                                 "stream ID currently associated with framework "
                                 "ID " +
                                 framework_id));
    return;
  }
  if (call.type() == call_type::UPDATE_FRAMEWORK) {
    // Answered once in force, as Mesos does: 200, or 400 saying why not.
    auto why = update_framework(framework, call.update_framework());
    out.respond(why.empty() ? response::empty(200) : response::error(400, why));
    return;
  }
  out.respond(response::empty(202));
  on_call(framework.scheduler, call);
}

void master_process::subscribe_over_http(const runtime::http::request& request,
                                         const runtime::http::responder& out,
                                         runtime::http::encoding encoding,
                                         const v1::scheduler::Call& call) {
  if (request.header("Mesos-Stream-Id")) {
    out.respond(response::error(
        400, "Subscribe calls should not include the 'Mesos-Stream-Id' header"));
    return;
  }
  const auto& info = call.subscribe().framework_info();
  if (auto why = validate_framework(info); !why.empty()) {
    out.respond(response::error(400, "Failed to validate scheduler::Call: " + why));
    return;
  }
  if (info.has_id() && torn_down(info.id().value())) {
    out.respond(response::error(403, "Framework has been removed"));
    return;
  }
  auto stream_id = common::format_uuid(common::make_uuid(random(), random()));
  auto stream = local_node().spawn<scheduler_stream>(
      std::string(scheduler_stream::name_prefix) + stream_id, out, encoding,
      options_.heartbeat_interval);
  if (!stream) {
    out.respond(response::error(
        503, "cannot open a subscription stream: " + stream.error().message));
    return;
  }
  subscribe(*stream, call.subscribe());
}

}  // namespace mensa::master
