#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "actors/common/resources.hpp"

namespace mensa::allocator {

/// Orders clients (roles, or frameworks within a role) by Dominant
/// Resource Fairness: a client's share is its largest fraction of any
/// scalar resource of the cluster, divided by its weight; the client with
/// the smallest share comes first (ties by name, so the order is
/// deterministic). Plain C++, no actor inside.
class drf_sorter {
 public:
  /// Adds a client with a weight (> 0); re-adding keeps its allocation.
  void add(const std::string& client, double weight = 1.0);

  /// Removes a client and forgets its allocation.
  void remove(const std::string& client);

  /// Returns whether `client` is known.
  bool contains(const std::string& client) const;

  /// Inactive clients keep their allocation but are left out of `sort`.
  void activate(const std::string& client, bool active);

  /// Adds to the resources shares are measured against.
  void add_total(const common::resources& r);

  /// Subtracts from the resources shares are measured against.
  void subtract_total(const common::resources& r);

  /// Records resources allocated to `client`.
  void allocated(const std::string& client, const common::resources& r);

  /// Records resources `client` gave back.
  void unallocated(const std::string& client, const common::resources& r);

  /// Returns the weighted dominant share of `client`.
  double share(const std::string& client) const;

  /// Returns the active clients, smallest share first.
  std::vector<std::string> sort() const;

  /// Returns whether no client is known.
  bool empty() const noexcept { return clients_.empty(); }

 private:
  struct client_state {
    double weight = 1.0;
    bool active = true;
    std::map<std::string, double> allocation;
  };

  std::map<std::string, client_state> clients_;
  std::map<std::string, double> total_;
};

}  // namespace mensa::allocator
