#include "actors/allocator/resource_quantities.hpp"

#include <algorithm>

namespace mensa::allocator {

namespace {

using entry = std::pair<std::string, double>;

auto position(std::vector<entry>& entries, std::string_view name) {
  return std::lower_bound(
      entries.begin(), entries.end(), name,
      [](const entry& e, std::string_view n) { return e.first < n; });
}

}  // namespace

resource_quantities resource_quantities::of(const common::resources& r) {
  resource_quantities result;
  for (auto& resource : r.entries())
    if (resource.type() == v1::Value::SCALAR)
      result.set(resource.name(),
                 result.get(resource.name()) + resource.scalar().value());
  return result;
}

double resource_quantities::get(std::string_view name) const {
  for (auto& [n, amount] : entries_)
    if (n == name)
      return amount;
  return 0;
}

void resource_quantities::set(std::string_view name, double amount) {
  amount = common::round_scalar(amount);
  auto i = position(entries_, name);
  bool found = i != entries_.end() && i->first == name;
  if (amount <= 0) {
    if (found)
      entries_.erase(i);
  } else if (found) {
    i->second = amount;
  } else {
    entries_.emplace(i, std::string(name), amount);
  }
}

bool resource_quantities::contains(const resource_quantities& other) const {
  return std::all_of(other.entries_.begin(), other.entries_.end(),
                     [&](const entry& e) { return e.second <= get(e.first); });
}

resource_quantities& resource_quantities::operator+=(const resource_quantities& other) {
  for (auto& [name, amount] : other.entries_)
    set(name, get(name) + amount);
  return *this;
}

resource_quantities& resource_quantities::operator-=(const resource_quantities& other) {
  for (auto& [name, amount] : other.entries_)
    set(name, get(name) - amount);
  return *this;
}

std::string resource_quantities::to_string() const {
  std::string out;
  for (auto& [name, amount] : entries_) {
    if (!out.empty())
      out += ';';
    out += name + ':' + common::format_scalar(amount);
  }
  return out;
}

}  // namespace mensa::allocator
