#pragma once

#include <google/protobuf/repeated_field.h>

#include <string>
#include <string_view>
#include <vector>

#include "mensa/v1/mensa.pb.h"
#include "runtime/expected.hpp"

namespace mensa::common {

/// A bag of resources (`cpus`, `mem`, `disk`, `ports`, ...) with arithmetic,
/// as Mesos's `Resources`. Kept normalized: one entry per (name,
/// reservation role, allocation role); scalars rounded to three decimals,
/// ranges sorted and merged, sets deduplicated; nothing empty or zero.
class resources {
 public:
  /// No resources.
  resources() = default;

  /// Takes resources from a protobuf list (as they arrive in messages).
  /// Invalid entries are skipped; `validate` first to reject them.
  explicit resources(const google::protobuf::RepeatedPtrField<v1::Resource>& list);

  /// Parses `cpus:4;mem:8192;disk:10000;ports:[31000-32000]`. A resource may
  /// name the role it is statically reserved for, `cpus(analytics):2`;
  /// sets are written `{a,b}`. Fails naming the part that is wrong.
  static runtime::expected<resources> parse(std::string_view text);

  /// Checks one resource from a message; says what is wrong with it.
  static runtime::expected<void> validate(const v1::Resource& r);

  /// Checks every resource of a list.
  static runtime::expected<void> validate(
      const google::protobuf::RepeatedPtrField<v1::Resource>& list);

  /// Returns the entries.
  const std::vector<v1::Resource>& entries() const noexcept { return entries_; }

  /// Returns whether there are no resources.
  bool empty() const noexcept { return entries_.empty(); }

  /// Adds one resource.
  void add(const v1::Resource& r);

  /// Subtracts one resource (what is not there is ignored).
  void subtract(const v1::Resource& r);

  resources& operator+=(const resources& other);
  resources& operator-=(const resources& other);
  friend resources operator+(resources x, const resources& y) { return x += y; }
  friend resources operator-(resources x, const resources& y) { return x -= y; }
  friend bool operator==(const resources& x, const resources& y);
  friend bool operator!=(const resources& x, const resources& y) { return !(x == y); }

  /// Returns whether all of `other` is in here (with the same reservation
  /// and allocation roles).
  bool contains(const resources& other) const;

  /// Returns the sum of the scalar resource `name`, whatever its roles.
  double scalar(std::string_view name) const;

  /// Returns these resources with their allocation role set to `role`.
  resources allocated_to(std::string_view role) const&;

  /// Same as the above, reusing these resources' storage.
  resources allocated_to(std::string_view role) &&;

  /// Returns these resources without allocation roles.
  resources unallocated() const&;

  /// Same as the above, reusing these resources' storage.
  resources unallocated() &&;

  /// Returns the resources allocated to `role`.
  resources allocated_only_to(std::string_view role) const;

  /// Returns the unreserved resources.
  resources unreserved() const;

  /// Returns the resources reserved for `role` exactly.
  resources reserved_for(std::string_view role) const;

  /// Returns the resources that `role` may use: unreserved ones and those
  /// reserved for `role` or one of its ancestors (`a` for `a/b`).
  resources usable_by(std::string_view role) const;

  /// Copies the entries into a protobuf list.
  void copy_to(google::protobuf::RepeatedPtrField<v1::Resource>* list) const;

  /// Formats as `parse` reads, e.g. `cpus:4;mem:8192;ports:[31000-32000]`.
  std::string to_string() const;

 private:
  // Sets every entry's allocation role, or clears it when `role` is null.
  void set_allocation_role(const std::string_view* role);

  std::vector<v1::Resource> entries_;
};

/// Returns the role a resource is reserved for, or "" when unreserved.
std::string_view reservation_role(const v1::Resource& r);

/// Returns the role a resource is allocated to, or "".
std::string_view allocation_role(const v1::Resource& r);

/// Rounds a scalar to the three decimal digits Mesos keeps.
double round_scalar(double x);

/// Formats a scalar as resource strings write it: `2`, `0.5`, `1024.25`.
std::string format_scalar(double x);

}  // namespace mensa::common
