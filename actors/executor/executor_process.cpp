#include "actors/executor/executor_process.hpp"

#include <algorithm>

#include "actors/common/task_states.hpp"
#include "actors/common/task_status.hpp"
#include "actors/common/uuid.hpp"

namespace mensa::executor {

executor_process::executor_process(runtime::process_config& cfg, runtime::node& owner,
                                   address self, executor_context context)
    : process(cfg, owner, std::move(self)), context_(std::move(context)) {}

void executor_process::on_start() {
  install(&executor_process::on_event);
  subscribe();
}

void executor_process::send_call(v1::executor::Call call) {
  *call.mutable_framework_id() = context_.framework_id;
  *call.mutable_executor_id() = context_.executor_id;
  send(context_.agent, std::move(call));
}

void executor_process::subscribe() {
  if (subscribed_)
    return;
  if (disconnected_since_ != runtime::time_point{} &&
      now() - disconnected_since_ > context_.recovery_timeout) {
    log(runtime::log_level::error, "the agent did not come back; exiting");
    quit();
    return;
  }
  link(context_.agent);
  v1::executor::Call call;
  call.set_type(v1::executor::Call::SUBSCRIBE);
  for (auto& [task_id, task] : live_)
    *call.mutable_subscribe()->add_unacknowledged_tasks() = task;
  for (auto& update : unacknowledged_)
    *call.mutable_subscribe()->add_unacknowledged_updates() = update;
  send_call(std::move(call));
  delay(context_.resubscribe_interval, [this] { subscribe(); });
}

void executor_process::exited(const address& peer, const runtime::peer_exit& why) {
  if (peer != context_.agent)
    return;
  if (subscribed_)
    log(runtime::log_level::warning,
        "lost the agent (" + std::string(to_string(why.kind)) + "); subscribing again");
  bool was_subscribed = subscribed_;
  subscribed_ = false;
  if (was_subscribed && !framework_.checkpoint()) {
    log(runtime::log_level::warning,
        "lost the agent and the framework does not checkpoint: ending the tasks");
    agent_lost();
    return;
  }
  if (disconnected_since_ == runtime::time_point{})
    disconnected_since_ = now();
  // While subscribed no attempt is pending: start them again.
  if (was_subscribed)
    delay(context_.resubscribe_interval, [this] { subscribe(); });
}

void executor_process::on_event(const address& from, const v1::executor::Event& event) {
  if (from != context_.agent)
    return;
  using event_type = v1::executor::Event;
  switch (event.type()) {
    case event_type::SUBSCRIBED:
      subscribed_ = true;
      disconnected_since_ = {};
      framework_ = event.subscribed().framework_info();
      executor_ = event.subscribed().executor_info();
      for (auto& pending : unacknowledged_) {
        v1::executor::Call call;
        call.set_type(v1::executor::Call::UPDATE);
        *call.mutable_update() = pending;
        send_call(std::move(call));
      }
      subscribed(event.subscribed());
      break;
    case event_type::LAUNCH:
      if (auto* own = unshared_message<v1::executor::Event>())
        take_task(std::move(*own->mutable_launch()->mutable_task()));
      else
        take_task(event.launch().task());
      break;
    case event_type::LAUNCH_GROUP: {
      auto group = next_group_++;
      for (auto& task : event.launch_group().task_group().tasks()) {
        groups_[group].running.insert(task.task_id().value());
        group_of_[task.task_id().value()] = group;
      }
      // The tasks are kept: moved out of the event when it is this
      // executor's alone.
      auto* own = unshared_message<v1::executor::Event>();
      auto& tasks = event.launch_group().task_group().tasks();
      for (int i = 0; i < tasks.size(); ++i)
        take_task(own != nullptr ? std::move(*own->mutable_launch_group()
                                                  ->mutable_task_group()
                                                  ->mutable_tasks(i))
                                 : tasks.Get(i));
      break;
    }
    case event_type::KILL:
      // A task that reported its end is past killing, even while the agent
      // has not acknowledged that end yet.
      if (reported_end(event.kill().task_id().value()))
        break;
      kill(event.kill().task_id(),
           event.kill().has_kill_policy() ? &event.kill().kill_policy() : nullptr);
      break;
    case event_type::ACKNOWLEDGED: {
      auto i = std::find_if(
          unacknowledged_.begin(), unacknowledged_.end(), [&](const auto& pending) {
            return pending.status().uuid() == event.acknowledged().uuid();
          });
      if (i == unacknowledged_.end())
        break;
      if (common::is_terminal(i->status().state()))
        live_.erase(i->status().task_id().value());
      unacknowledged_.erase(i);
      check_done();
      break;
    }
    case event_type::MESSAGE:
      message(event.message().data());
      break;
    case event_type::ERROR:
      error(event.error().message());
      break;
    case event_type::SHUTDOWN:
      shutting_down_ = true;
      shutdown();
      check_done();
      break;
    default:
      break;
  }
}

void executor_process::take_task(v1::TaskInfo given) {
  auto id = given.task_id().value();
  auto& task = live_[id] = std::move(given);
  auto refuse = [&](const char* why) {
    update(common::make_status(task.task_id(), v1::TASK_KILLED,
                               v1::TaskStatus::SOURCE_EXECUTOR, wall_seconds(), why));
  };
  if (shutting_down_)
    return refuse("the executor is shutting down");
  if (auto member = group_of_.find(task.task_id().value());
      member != group_of_.end() && groups_[member->second].killing)
    return refuse("another task of its group ended");
  launch_task(task);
}

void executor_process::task_ended(const v1::TaskStatus& status) {
  auto member = group_of_.find(status.task_id().value());
  if (member == group_of_.end())
    return;
  auto group = groups_.find(member->second);
  group_of_.erase(member);
  group->second.running.erase(status.task_id().value());
  if (group->second.running.empty()) {
    groups_.erase(group);
    return;
  }
  if (status.state() == v1::TASK_FINISHED || group->second.killing)
    return;
  group->second.killing = true;
  auto siblings = group->second.running;
  for (auto& sibling : siblings) {
    v1::TaskID id;
    id.set_value(sibling);
    kill(id, nullptr);
  }
}

void executor_process::check_done() {
  if (!live_.empty() || !unacknowledged_.empty())
    return;
  if (shutting_down_)
    quit();
  else
    all_tasks_done();
}

void executor_process::shutdown() {
  auto live = live_;
  for (auto& [task_id, task] : live)
    kill(task.task_id(), nullptr);
}

void executor_process::error(const std::string& message) {
  log(runtime::log_level::warning, "the agent says: " + message);
}

bool executor_process::reported_end(const std::string& task_id) const {
  return std::any_of(unacknowledged_.begin(), unacknowledged_.end(), [&](auto& entry) {
    auto& status = entry.status();
    return status.task_id().value() == task_id && common::is_terminal(status.state());
  });
}

void executor_process::update(v1::TaskStatus status) {
  status.set_source(v1::TaskStatus::SOURCE_EXECUTOR);
  *status.mutable_executor_id() = context_.executor_id;
  if (!status.has_timestamp())
    status.set_timestamp(wall_seconds());
  status.set_uuid(common::make_uuid(random(), random()));
  v1::executor::Call::Update pending;
  *pending.mutable_status() = status;
  unacknowledged_.push_back(pending);
  if (subscribed_) {
    v1::executor::Call call;
    call.set_type(v1::executor::Call::UPDATE);
    *call.mutable_update() = std::move(pending);
    send_call(std::move(call));
  }
  if (common::is_terminal(status.state()))
    task_ended(status);
}

void executor_process::send_message(std::string data) {
  v1::executor::Call call;
  call.set_type(v1::executor::Call::MESSAGE);
  call.mutable_message()->set_data(std::move(data));
  send_call(std::move(call));
}

}  // namespace mensa::executor
