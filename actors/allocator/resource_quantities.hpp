#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/common/resources.hpp"

namespace mensa::allocator {

/// Amounts of scalar resources by name (`cpus:2;mem:1024`), without roles,
/// ranges or sets: what shares, quota and headroom are measured in, as
/// Mesos's `ResourceQuantities`. Kept sorted by name with no zero amounts;
/// a cluster has a handful of names, so a flat vector beats a map.
class resource_quantities {
 public:
  /// No resources.
  resource_quantities() = default;

  /// Returns the scalar amounts of `r`, whatever their roles.
  static resource_quantities of(const common::resources& r);

  /// Returns the amount of `name` (0 when absent).
  double get(std::string_view name) const;

  /// Sets the amount of `name`; 0 or less removes it.
  void set(std::string_view name, double amount);

  /// Returns the entries, sorted by name.
  const std::vector<std::pair<std::string, double>>& entries() const noexcept {
    return entries_;
  }

  /// Returns whether there is nothing.
  bool empty() const noexcept { return entries_.empty(); }

  /// Returns whether every amount of `other` is at most ours.
  bool contains(const resource_quantities& other) const;

  /// Adds `other`.
  resource_quantities& operator+=(const resource_quantities& other);

  /// Subtracts `other`; amounts never go below zero.
  resource_quantities& operator-=(const resource_quantities& other);

  friend resource_quantities operator+(resource_quantities x,
                                       const resource_quantities& y) {
    return x += y;
  }
  friend resource_quantities operator-(resource_quantities x,
                                       const resource_quantities& y) {
    return x -= y;
  }
  friend bool operator==(const resource_quantities& x, const resource_quantities& y) {
    return x.entries_ == y.entries_;
  }

  /// Formats as `cpus:2;mem:1024` (empty for nothing).
  std::string to_string() const;

 private:
  std::vector<std::pair<std::string, double>> entries_;
};

}  // namespace mensa::allocator
