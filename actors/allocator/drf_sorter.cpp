#include "actors/allocator/drf_sorter.hpp"

#include <algorithm>

namespace mensa::allocator {

namespace {

void accumulate(std::map<std::string, double>& into, const common::resources& r,
                double sign) {
  for (auto& entry : r.entries()) {
    if (entry.type() != v1::Value::SCALAR)
      continue;
    auto& slot = into[entry.name()];
    slot = common::round_scalar(slot + sign * entry.scalar().value());
    if (slot <= 0)
      into.erase(entry.name());
  }
}

}  // namespace

void drf_sorter::add(const std::string& client, double weight) {
  auto& state = clients_[client];
  state.weight = weight > 0 ? weight : 1.0;
}

void drf_sorter::remove(const std::string& client) {
  clients_.erase(client);
}

bool drf_sorter::contains(const std::string& client) const {
  return clients_.count(client) > 0;
}

void drf_sorter::activate(const std::string& client, bool active) {
  auto i = clients_.find(client);
  if (i != clients_.end())
    i->second.active = active;
}

void drf_sorter::add_total(const common::resources& r) {
  accumulate(total_, r, 1);
}

void drf_sorter::subtract_total(const common::resources& r) {
  accumulate(total_, r, -1);
}

void drf_sorter::allocated(const std::string& client, const common::resources& r) {
  auto i = clients_.find(client);
  if (i != clients_.end())
    accumulate(i->second.allocation, r, 1);
}

void drf_sorter::unallocated(const std::string& client, const common::resources& r) {
  auto i = clients_.find(client);
  if (i != clients_.end())
    accumulate(i->second.allocation, r, -1);
}

double drf_sorter::share(const std::string& client) const {
  auto i = clients_.find(client);
  if (i == clients_.end())
    return 0;
  double dominant = 0;
  for (auto& [name, amount] : i->second.allocation) {
    auto t = total_.find(name);
    if (t != total_.end() && t->second > 0)
      dominant = std::max(dominant, amount / t->second);
  }
  return dominant / i->second.weight;
}

std::vector<std::string> drf_sorter::sort() const {
  std::vector<std::pair<double, std::string>> ordered;
  for (auto& [name, state] : clients_)
    if (state.active)
      ordered.emplace_back(share(name), name);
  std::sort(ordered.begin(), ordered.end());
  std::vector<std::string> result;
  result.reserve(ordered.size());
  for (auto& entry : ordered)
    result.push_back(std::move(entry.second));
  return result;
}

}  // namespace mensa::allocator
