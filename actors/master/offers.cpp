// The master's offers: made from the allocator's decisions, declined,
// rescinded, and their resources recovered.

#include "actors/master/master_process.hpp"

namespace mensa::master {

void master_process::on_allocator_offers(const address& from,
                                         const internal::AllocatorOffers& msg) {
  if (from != allocator_) {
    log(runtime::log_level::warning, "ignored offers from " + from.str());
    return;
  }
  // The resources move on into the offers when the message is the
  // master's alone.
  auto* own = unshared_message<internal::AllocatorOffers>();
  std::map<std::string, v1::scheduler::Event> events;
  for (int i = 0; i < msg.allocations_size(); ++i) {
    auto& allocation = msg.allocations(i);
    auto framework_id = allocation.framework_id().value();
    auto agent_id = allocation.agent_id().value();
    auto framework = frameworks_.find(framework_id);
    auto* agent = registered_agent(agent_id);
    common::resources resources(allocation.resources());
    if (framework == frameworks_.end() ||
        framework->second.state != framework_state::active || agent == nullptr) {
      // Things changed since the allocator decided: give them back.
      recover(framework_id, agent_id, resources, std::nullopt);
      continue;
    }
    auto offer_id = next_id("O", next_offer_);
    auto& event = events[framework_id];
    event.set_type(v1::scheduler::Event::OFFERS);
    auto& offer = *event.mutable_offers()->add_offers();
    offer.mutable_id()->set_value(offer_id);
    *offer.mutable_framework_id() = allocation.framework_id();
    *offer.mutable_agent_id() = allocation.agent_id();
    offer.set_hostname(agent->info.hostname());
    if (own != nullptr)
      offer.mutable_resources()->Swap(own->mutable_allocations(i)->mutable_resources());
    else
      *offer.mutable_resources() = allocation.resources();
    *offer.mutable_attributes() = agent->info.attributes();
    offer.mutable_allocation_info()->set_role(allocation.role());
    // The framework's executors there: tasks for them need no executor
    // resources.
    if (auto on_agent = framework->second.executors.find(agent_id);
        on_agent != framework->second.executors.end())
      for (auto& [executor_id, used] : on_agent->second)
        offer.add_executor_ids()->set_value(executor_id);
    offers_.add(std::move(offer_id),
                offer_record{std::move(framework_id), std::move(agent_id),
                             allocation.role(), std::move(resources)});
  }
  for (auto& [framework_id, event] : events)
    send_event(frameworks_[framework_id], std::move(event));
}

std::optional<offer_record> master_process::rescind(const std::string& offer_id) {
  auto offer = offers_.take(offer_id);
  if (!offer)
    return std::nullopt;
  auto framework = frameworks_.find(offer->framework_id);
  if (framework != frameworks_.end()) {
    v1::scheduler::Event event;
    event.set_type(v1::scheduler::Event::RESCIND);
    event.mutable_rescind()->mutable_offer_id()->set_value(offer_id);
    send_event(framework->second, std::move(event));
  }
  return offer;
}

void master_process::decline(framework_record& framework,
                             const v1::scheduler::Call::Decline& call) {
  // Declined resources are always filtered, for 5 s unless the call says.
  auto filters = call.has_filters() ? call.filters() : v1::Filters{};
  for (auto& offer_id : call.offer_ids()) {
    auto* offered = offers_.find(offer_id.value());
    if (offered == nullptr || offered->framework_id != framework.info.id().value())
      continue;
    auto offer = offers_.take(offer_id.value());
    recover(framework.info.id().value(), offer->agent_id, offer->resources, filters);
  }
}

void master_process::recover(const std::string& framework_id,
                             const std::string& agent_id,
                             const common::resources& resources,
                             const std::optional<v1::Filters>& filters) {
  // As Mesos: a filter refuses resources given back; with none given back
  // (an ACCEPT that used its offers whole) there is nothing to filter.
  if (resources.empty())
    return;
  internal::AllocatorRecoverResources recover;
  recover.mutable_framework_id()->set_value(framework_id);
  recover.mutable_agent_id()->set_value(agent_id);
  resources.copy_to(recover.mutable_resources());
  if (filters)
    *recover.mutable_filters() = *filters;
  send(allocator_, std::move(recover));
}

}  // namespace mensa::master
