#include "actors/allocator/resource_quantities.hpp"

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace mensa::allocator {

namespace {

// Every name interned in this process, in the order first seen.
struct name_registry {
  std::mutex mutex;
  std::unordered_map<std::string, std::size_t> indices;
  /// By index: the keys of `indices`, which stay where they are.
  std::vector<const std::string*> names;
};

name_registry& registry() {
  static name_registry instance;
  return instance;
}

}  // namespace

std::size_t resource_quantities::index_of(std::string_view name) {
  // Each thread remembers the few names it has seen, so lookups after the
  // first take no lock.
  thread_local std::vector<std::pair<std::string, std::size_t>> seen;
  for (auto& [known, index] : seen)
    if (known == name)
      return index;
  auto& r = registry();
  std::lock_guard<std::mutex> guard(r.mutex);
  auto [i, added] = r.indices.try_emplace(std::string(name), r.names.size());
  if (added)
    r.names.push_back(&i->first);
  seen.emplace_back(std::string(name), i->second);
  return i->second;
}

const std::string& resource_quantities::name_of(std::size_t index) {
  thread_local std::vector<const std::string*> named;
  if (index < named.size() && named[index] != nullptr)
    return *named[index];
  auto& r = registry();
  std::lock_guard<std::mutex> guard(r.mutex);
  if (index >= named.size())
    named.resize(index + 1, nullptr);
  named[index] = r.names.at(index);
  return *named[index];
}

resource_quantities resource_quantities::of(const common::resources& r) {
  resource_quantities result;
  for (auto& resource : r.entries())
    if (resource.type() == v1::Value::SCALAR) {
      auto index = index_of(resource.name());
      result.set(index, result.get(index) + resource.scalar().value());
    }
  return result;
}

bool resource_quantities::describe_whole(const common::resources& r) {
  return std::all_of(r.entries().begin(), r.entries().end(), [](const v1::Resource& x) {
    return x.type() == v1::Value::SCALAR && x.reservations_size() == 0 &&
           !x.has_allocation_info();
  });
}

void resource_quantities::set(std::size_t index, double amount) {
  amount = common::round_scalar(amount);
  if (amount <= 0) {
    if (index < amounts_.size()) {
      amounts_[index] = 0;
      trim();
    }
    return;
  }
  if (index >= amounts_.size())
    amounts_.resize(index + 1, 0.0);
  amounts_[index] = amount;
}

void resource_quantities::trim() {
  while (!amounts_.empty() && amounts_.back() <= 0)
    amounts_.pop_back();
}

std::vector<std::pair<std::string, double>> resource_quantities::entries() const {
  std::vector<std::pair<std::string, double>> result;
  every([&](std::size_t index, double amount) {
    result.emplace_back(name_of(index), amount);
    return true;
  });
  std::sort(result.begin(), result.end());
  return result;
}

bool resource_quantities::contains(const resource_quantities& other) const {
  return other.every(
      [&](std::size_t index, double amount) { return amount <= get(index); });
}

resource_quantities& resource_quantities::operator+=(const resource_quantities& other) {
  if (other.amounts_.size() > amounts_.size())
    amounts_.resize(other.amounts_.size(), 0.0);
  for (std::size_t i = 0; i < other.amounts_.size(); ++i)
    if (other.amounts_[i] > 0)
      amounts_[i] = common::round_scalar(amounts_[i] + other.amounts_[i]);
  return *this;
}

resource_quantities& resource_quantities::operator-=(const resource_quantities& other) {
  auto n = std::min(amounts_.size(), other.amounts_.size());
  for (std::size_t i = 0; i < n; ++i)
    if (other.amounts_[i] > 0)
      amounts_[i] =
          std::max(0.0, common::round_scalar(amounts_[i] - other.amounts_[i]));
  trim();
  return *this;
}

std::string resource_quantities::to_string() const {
  std::string out;
  for (auto& [name, amount] : entries()) {
    if (!out.empty())
      out += ';';
    out += name + ':' + common::format_scalar(amount);
  }
  return out;
}

}  // namespace mensa::allocator
