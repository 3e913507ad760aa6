#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/common/resources.hpp"

namespace mensa::master {

/// An outstanding offer, as the master keeps it.
struct offer_record {
  /// The framework it was made to and the agent whose resources it holds.
  std::string framework_id;
  std::string agent_id;
  /// The role its resources are allocated to.
  std::string role;
  /// Its resources, allocated to `role`.
  common::resources resources;
};

/// The master's outstanding offers, by ID, and which of them each framework
/// holds and each agent's resources are in. An offer is in the book from
/// the moment it is made until it is taken: accepted, declined or
/// rescinded; taking it is the one way out, so the indexes always agree
/// with the offers. Plain C++, owned by the master actor.
class offer_book {
 public:
  /// Records offer `offer_id`; an ID already in the book is refused
  /// (returns false, the book unchanged).
  bool add(std::string offer_id, offer_record offer);

  /// Returns offer `offer_id`, or null.
  const offer_record* find(const std::string& offer_id) const;

  /// Takes offer `offer_id` out of the book and returns it; nothing if it
  /// is not there (already taken).
  std::optional<offer_record> take(const std::string& offer_id);

  /// Returns the IDs of the offers framework `framework_id` holds, in order.
  std::vector<std::string> of_framework(const std::string& framework_id) const;

  /// Returns the IDs of the offers of agent `agent_id`'s resources, in order.
  std::vector<std::string> on_agent(const std::string& agent_id) const;

  /// Returns every outstanding offer, by ID.
  const std::map<std::string, offer_record>& all() const noexcept { return offers_; }

  /// Returns how many offers are outstanding.
  std::size_t size() const noexcept { return offers_.size(); }

 private:
  using index = std::unordered_map<std::string, std::set<std::string>>;

  static std::vector<std::string> ids_in(const index& by, const std::string& key);
  static void unindex(index& by, const std::string& key, const std::string& offer_id);

  std::map<std::string, offer_record> offers_;
  index by_framework_;
  index by_agent_;
};

}  // namespace mensa::master
