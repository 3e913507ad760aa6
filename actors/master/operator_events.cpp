// The operator API's event stream (SUBSCRIBE on /api/v1): who listens, and
// the events the master's changes send them, as Mesos names them.

#include "actors/common/task_status.hpp"
#include "actors/common/uuid.hpp"
#include "actors/master/master_process.hpp"
#include "actors/master/operator_stream.hpp"
#include "runtime/node.hpp"

namespace mensa::master {

using event = v1::master::Event;

void master_process::subscribe_operator(const runtime::http::responder& out,
                                        runtime::http::encoding encoding) {
  auto name = std::string(operator_stream::name_prefix) +
              common::format_uuid(common::make_uuid(random(), random()));
  auto stream = local_node().spawn<operator_stream>(std::move(name), out, encoding,
                                                    options_.heartbeat_interval);
  if (!stream) {
    out.respond(runtime::http::response::error(
        503, "cannot open an event stream: " + stream.error().message));
    return;
  }
  link(*stream);
  operator_streams_.push_back(*stream);
  while (operator_streams_.size() > options_.max_operator_event_stream_subscribers) {
    internal::CloseSubscription close;
    close.set_reason("more than " +
                     std::to_string(options_.max_operator_event_stream_subscribers) +
                     " operator event streams: the oldest is closed");
    send(operator_streams_.front(), std::move(close));
    unlink(operator_streams_.front());
    operator_streams_.pop_front();
  }
  event subscribed;
  subscribed.set_type(event::SUBSCRIBED);
  *subscribed.mutable_subscribed()->mutable_get_state() = describe_state();
  subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(
      std::chrono::duration<double>(options_.heartbeat_interval).count());
  send(*stream, std::move(subscribed));
  log(runtime::log_level::info,
      "operator event stream " + stream->str() + " subscribed");
}

bool master_process::forget_operator_stream(const address& peer) {
  auto i = std::find(operator_streams_.begin(), operator_streams_.end(), peer);
  if (i == operator_streams_.end())
    return false;
  operator_streams_.erase(i);
  return true;
}

void master_process::publish(const event& e) {
  for (auto& stream : operator_streams_)
    send(stream, e);
}

void master_process::publish_task_added(const framework_record& framework,
                                        const std::string& task_id,
                                        const task_record& task) {
  if (!operator_listening())
    return;
  event added;
  added.set_type(event::TASK_ADDED);
  *added.mutable_task_added()->mutable_task() =
      task.to_task(task_id, framework.info.id());
  publish(added);
}

void master_process::publish_task_updated(const framework_record& framework,
                                          const v1::TaskStatus& status,
                                          v1::TaskState state) {
  if (!operator_listening())
    return;
  event updated;
  updated.set_type(event::TASK_UPDATED);
  auto& body = *updated.mutable_task_updated();
  *body.mutable_framework_id() = framework.info.id();
  *body.mutable_status() = status;
  body.set_state(state);
  publish(updated);
}

void master_process::publish_framework(event::Type type,
                                       const framework_record& framework) {
  if (!operator_listening())
    return;
  event changed;
  changed.set_type(type);
  auto described = describe_framework(framework);
  if (type == event::FRAMEWORK_ADDED)
    *changed.mutable_framework_added()->mutable_framework() = std::move(described);
  else
    *changed.mutable_framework_updated()->mutable_framework() = std::move(described);
  publish(changed);
}

void master_process::publish_framework_removed(const framework_record& framework) {
  if (!operator_listening())
    return;
  event removed;
  removed.set_type(event::FRAMEWORK_REMOVED);
  *removed.mutable_framework_removed()->mutable_framework_info() = framework.info;
  publish(removed);
}

void master_process::publish_agent_added(const agent_record& agent) {
  if (!operator_listening())
    return;
  event added;
  added.set_type(event::AGENT_ADDED);
  *added.mutable_agent_added()->mutable_agent() =
      describe_agent(agent, allocated_on(agent));
  publish(added);
}

void master_process::publish_agent_removed(const std::string& agent_id) {
  if (!operator_listening())
    return;
  event removed;
  removed.set_type(event::AGENT_REMOVED);
  removed.mutable_agent_removed()->mutable_agent_id()->set_value(agent_id);
  publish(removed);
}

}  // namespace mensa::master
