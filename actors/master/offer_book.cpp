#include "actors/master/offer_book.hpp"

#include <utility>

namespace mensa::master {

bool offer_book::add(std::string offer_id, offer_record offer) {
  auto framework_id = offer.framework_id;
  auto agent_id = offer.agent_id;
  auto [i, added] = offers_.emplace(std::move(offer_id), std::move(offer));
  if (!added)
    return false;
  by_framework_[std::move(framework_id)].insert(i->first);
  by_agent_[std::move(agent_id)].insert(i->first);
  return true;
}

const offer_record* offer_book::find(const std::string& offer_id) const {
  auto i = offers_.find(offer_id);
  return i == offers_.end() ? nullptr : &i->second;
}

std::optional<offer_record> offer_book::take(const std::string& offer_id) {
  auto i = offers_.find(offer_id);
  if (i == offers_.end())
    return std::nullopt;
  auto offer = std::move(i->second);
  offers_.erase(i);
  unindex(by_framework_, offer.framework_id, offer_id);
  unindex(by_agent_, offer.agent_id, offer_id);
  return offer;
}

std::vector<std::string> offer_book::of_framework(
    const std::string& framework_id) const {
  return ids_in(by_framework_, framework_id);
}

std::vector<std::string> offer_book::on_agent(const std::string& agent_id) const {
  return ids_in(by_agent_, agent_id);
}

std::vector<std::string> offer_book::ids_in(const index& by, const std::string& key) {
  auto i = by.find(key);
  if (i == by.end())
    return {};
  return {i->second.begin(), i->second.end()};
}

void offer_book::unindex(index& by, const std::string& key,
                         const std::string& offer_id) {
  auto i = by.find(key);
  if (i == by.end())
    return;
  i->second.erase(offer_id);
  if (i->second.empty())
    by.erase(i);
}

}  // namespace mensa::master
