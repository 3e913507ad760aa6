#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/common/resources.hpp"

namespace mensa::allocator {

/// Amounts of scalar resources by name (`cpus:2;mem:1024`), without roles,
/// ranges or sets: what shares, quota and headroom are measured in, as
/// Mesos's `ResourceQuantities`. Names are interned once per process into
/// small indices (`index_of`) and amounts kept in an array by index, so
/// sums, differences and comparisons are loops over a handful of doubles
/// that compare no strings. Amounts are rounded as resources are and
/// never negative.
class resource_quantities {
 public:
  /// No resources.
  resource_quantities() = default;

  /// Returns the scalar amounts of `r`, whatever their roles.
  static resource_quantities of(const common::resources& r);

  /// Returns whether `of(r)` describes `r` whole: `r` is only unreserved,
  /// unallocated scalars, so comparing amounts compares the resources.
  static bool describe_whole(const common::resources& r);

  /// Returns the index of the resource `name`, the same for the life of
  /// the process; interns it on first use. Thread-safe.
  static std::size_t index_of(std::string_view name);

  /// Returns the name of an index that `index_of` gave.
  static const std::string& name_of(std::size_t index);

  /// Returns the amount of `name` (0 when absent).
  double get(std::string_view name) const { return get(index_of(name)); }

  /// Returns the amount of the resource at `index` (0 when absent).
  double get(std::size_t index) const noexcept {
    return index < amounts_.size() ? amounts_[index] : 0;
  }

  /// Sets the amount of `name`; 0 or less removes it.
  void set(std::string_view name, double amount) { set(index_of(name), amount); }

  /// Sets the amount of the resource at `index`; 0 or less removes it.
  void set(std::size_t index, double amount);

  /// Returns whether `fn(index, amount)` holds for every resource there is.
  template <class F>
  bool every(F&& fn) const {
    for (std::size_t i = 0; i < amounts_.size(); ++i)
      if (amounts_[i] > 0 && !fn(i, amounts_[i]))
        return false;
    return true;
  }

  /// Returns the resources with their amounts, sorted by name.
  std::vector<std::pair<std::string, double>> entries() const;

  /// Returns whether there is nothing.
  bool empty() const noexcept { return amounts_.empty(); }

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
    return x.amounts_ == y.amounts_;
  }

  /// Formats as `cpus:2;mem:1024` (empty for nothing).
  std::string to_string() const;

 private:
  void trim();

  // By name index; no trailing zeros, so equal amounts are equal vectors.
  std::vector<double> amounts_;
};

}  // namespace mensa::allocator
