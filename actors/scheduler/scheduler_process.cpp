#include "actors/scheduler/scheduler_process.hpp"

#include <algorithm>
#include <utility>

namespace mensa::scheduler {

scheduler_process::scheduler_process(runtime::process_config& cfg, runtime::node& owner,
                                     address self, address master,
                                     v1::FrameworkInfo framework,
                                     scheduler_options options)
    : process(cfg, owner, std::move(self)),
      master_(std::move(master)),
      framework_(std::move(framework)),
      options_(options),
      backoff_(options.subscribe_backoff) {
  if (framework_.has_id() && !framework_.id().value().empty())
    framework_id_ = framework_.id();
}

void scheduler_process::on_start() {
  install(&scheduler_process::on_event);
  subscribe();
}

void scheduler_process::subscribe() {
  // One attempt pending at a time: this one replaces any that was.
  subscribe_timer_.cancel();
  if (subscribed_ || aborted_ || master_.empty()) {
    subscribing_ = false;
    return;
  }
  subscribing_ = true;
  link(master_);
  v1::scheduler::Call call;
  call.set_type(v1::scheduler::Call::SUBSCRIBE);
  auto info = framework_;
  if (framework_id_) {
    *info.mutable_id() = *framework_id_;
    *call.mutable_framework_id() = *framework_id_;
  }
  *call.mutable_subscribe()->mutable_framework_info() = std::move(info);
  send(master_, std::move(call));
  auto wait = backoff_;
  backoff_ = std::min(backoff_ * 2, options_.max_backoff);
  subscribe_after(wait);
}

void scheduler_process::subscribe_after(runtime::duration wait) {
  subscribing_ = true;
  subscribe_timer_ = start_timer(wait, [this] { subscribe(); });
}

void scheduler_process::follow_master(const address& master) {
  if (master == master_)
    return;
  if (!master_.empty())
    unlink(master_);
  master_ = master;
  bool was_subscribed = subscribed_;
  subscribed_ = false;
  log(runtime::log_level::info, master.empty()
                                    ? "no master leads; waiting for one"
                                    : "following the leading master " + master.str());
  if (was_subscribed)
    disconnected();
  backoff_ = options_.subscribe_backoff;
  subscribe();
}

void scheduler_process::exited(const address& peer, const runtime::peer_exit& why) {
  if (peer != master_)
    return;
  bool was_subscribed = subscribed_;
  subscribed_ = false;
  if (was_subscribed) {
    log(runtime::log_level::warning, "lost the master (" +
                                         std::string(to_string(why.kind)) +
                                         "); subscribing again");
    disconnected();
  }
  if (!subscribing_ && !aborted_) {
    backoff_ = options_.subscribe_backoff;
    subscribe_after(backoff_);
  }
}

void scheduler_process::on_event(const address& from,
                                 const v1::scheduler::Event& event) {
  if (from != master_)
    return;
  using event_type = v1::scheduler::Event;
  switch (event.type()) {
    case event_type::SUBSCRIBED:
      subscribed_ = true;
      backoff_ = options_.subscribe_backoff;
      framework_id_ = event.subscribed().framework_id();
      *framework_.mutable_id() = *framework_id_;
      subscribed(event.subscribed());
      break;
    case event_type::OFFERS: {
      std::vector<v1::Offer> list;
      if (auto* mine = unshared_message<v1::scheduler::Event>()) {
        auto& kept = *mine->mutable_offers()->mutable_offers();
        list.reserve(static_cast<std::size_t>(kept.size()));
        for (auto& offer : kept)
          list.push_back(std::move(offer));
      } else {
        list.assign(event.offers().offers().begin(), event.offers().offers().end());
      }
      offers(list);
      break;
    }
    case event_type::RESCIND:
      rescind(event.rescind().offer_id());
      break;
    case event_type::UPDATE:
      update(event.update().status());
      if (options_.implicit_acknowledgements && event.update().status().has_uuid())
        acknowledge(event.update().status());
      break;
    case event_type::FAILURE:
      failure(event.failure());
      break;
    case event_type::MESSAGE:
      message(event.message());
      break;
    case event_type::ERROR:
      aborted_ = !subscribed_;
      error(event.error().message());
      break;
    default:
      break;
  }
}

void scheduler_process::error(const std::string& message) {
  log(runtime::log_level::error, "the master says: " + message);
}

void scheduler_process::call(v1::scheduler::Call call) {
  if (torn_down_)
    return;  // The master has forgotten the framework.
  if (framework_id_)
    *call.mutable_framework_id() = *framework_id_;
  send(master_, std::move(call));
}

void scheduler_process::accept(const std::vector<v1::OfferID>& offers,
                               const std::vector<v1::Offer::Operation>& operations,
                               const std::optional<v1::Filters>& filters) {
  v1::scheduler::Call c;
  c.set_type(v1::scheduler::Call::ACCEPT);
  for (auto& offer : offers)
    *c.mutable_accept()->add_offer_ids() = offer;
  for (auto& operation : operations)
    *c.mutable_accept()->add_operations() = operation;
  if (filters)
    *c.mutable_accept()->mutable_filters() = *filters;
  call(std::move(c));
}

void scheduler_process::launch_tasks(const v1::OfferID& offer,
                                     const std::vector<v1::TaskInfo>& tasks,
                                     const std::optional<v1::Filters>& filters) {
  v1::Offer::Operation operation;
  operation.set_type(v1::Offer::Operation::LAUNCH);
  for (auto& task : tasks)
    *operation.mutable_launch()->add_task_infos() = task;
  accept({offer}, {operation}, filters);
}

v1::Offer::Operation make_launch_group(const v1::ExecutorInfo& executor,
                                       const std::vector<v1::TaskInfo>& tasks) {
  v1::Offer::Operation operation;
  operation.set_type(v1::Offer::Operation::LAUNCH_GROUP);
  *operation.mutable_launch_group()->mutable_executor() = executor;
  for (auto& task : tasks)
    *operation.mutable_launch_group()->mutable_task_group()->add_tasks() = task;
  return operation;
}

void scheduler_process::launch_group(const v1::OfferID& offer,
                                     const v1::ExecutorInfo& executor,
                                     const std::vector<v1::TaskInfo>& tasks,
                                     const std::optional<v1::Filters>& filters) {
  accept({offer}, {make_launch_group(executor, tasks)}, filters);
}

void scheduler_process::decline(const std::vector<v1::OfferID>& offers,
                                const std::optional<v1::Filters>& filters) {
  v1::scheduler::Call c;
  c.set_type(v1::scheduler::Call::DECLINE);
  for (auto& offer : offers)
    *c.mutable_decline()->add_offer_ids() = offer;
  if (filters)
    *c.mutable_decline()->mutable_filters() = *filters;
  call(std::move(c));
}

void scheduler_process::revive(const std::vector<std::string>& roles) {
  v1::scheduler::Call c;
  c.set_type(v1::scheduler::Call::REVIVE);
  for (auto& role : roles)
    c.mutable_revive()->add_roles(role);
  call(std::move(c));
}

void scheduler_process::suppress(const std::vector<std::string>& roles) {
  v1::scheduler::Call c;
  c.set_type(v1::scheduler::Call::SUPPRESS);
  for (auto& role : roles)
    c.mutable_suppress()->add_roles(role);
  call(std::move(c));
}

void scheduler_process::update_framework(
    const v1::FrameworkInfo& info, const std::vector<std::string>& suppressed_roles) {
  framework_ = info;
  if (framework_id_)
    *framework_.mutable_id() = *framework_id_;
  v1::scheduler::Call c;
  c.set_type(v1::scheduler::Call::UPDATE_FRAMEWORK);
  *c.mutable_update_framework()->mutable_framework_info() = framework_;
  for (auto& role : suppressed_roles)
    c.mutable_update_framework()->add_suppressed_roles(role);
  call(std::move(c));
}

void scheduler_process::kill(const v1::TaskID& task,
                             const std::optional<v1::AgentID>& agent,
                             const std::optional<v1::KillPolicy>& policy) {
  v1::scheduler::Call c;
  c.set_type(v1::scheduler::Call::KILL);
  *c.mutable_kill()->mutable_task_id() = task;
  if (agent)
    *c.mutable_kill()->mutable_agent_id() = *agent;
  if (policy)
    *c.mutable_kill()->mutable_kill_policy() = *policy;
  call(std::move(c));
}

void scheduler_process::acknowledge(const v1::TaskStatus& status) {
  if (!status.has_uuid() || !status.has_agent_id())
    return;
  v1::scheduler::Call c;
  c.set_type(v1::scheduler::Call::ACKNOWLEDGE);
  *c.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
  *c.mutable_acknowledge()->mutable_task_id() = status.task_id();
  c.mutable_acknowledge()->set_uuid(status.uuid());
  call(std::move(c));
}

void scheduler_process::reconcile(
    const std::vector<v1::scheduler::Call::Reconcile::Task>& tasks) {
  v1::scheduler::Call c;
  c.set_type(v1::scheduler::Call::RECONCILE);
  c.mutable_reconcile();
  for (auto& task : tasks)
    *c.mutable_reconcile()->add_tasks() = task;
  call(std::move(c));
}

void scheduler_process::send_message(const v1::AgentID& agent,
                                     const v1::ExecutorID& executor, std::string data) {
  v1::scheduler::Call c;
  c.set_type(v1::scheduler::Call::MESSAGE);
  *c.mutable_message()->mutable_agent_id() = agent;
  *c.mutable_message()->mutable_executor_id() = executor;
  c.mutable_message()->set_data(std::move(data));
  call(std::move(c));
}

void scheduler_process::shutdown_executor(const v1::AgentID& agent,
                                          const v1::ExecutorID& executor) {
  v1::scheduler::Call c;
  c.set_type(v1::scheduler::Call::SHUTDOWN);
  *c.mutable_shutdown()->mutable_agent_id() = agent;
  *c.mutable_shutdown()->mutable_executor_id() = executor;
  call(std::move(c));
}

void scheduler_process::teardown() {
  v1::scheduler::Call c;
  c.set_type(v1::scheduler::Call::TEARDOWN);
  call(std::move(c));
  aborted_ = true;
  torn_down_ = true;
}

}  // namespace mensa::scheduler
