#include "runtime/http/router.hpp"

#include <mutex>

namespace mensa::runtime::http {

void router::add(std::string path, handler fn, const void* owner) {
  std::unique_lock lock(mutex_);
  auto& table =
      !path.empty() && path.back() == '/' && path.size() > 1 ? prefixes_ : exact_;
  table[std::move(path)] = route{std::make_shared<const handler>(std::move(fn)), owner};
}

void router::remove_owned_by(const void* owner) {
  std::unique_lock lock(mutex_);
  for (auto* table : {&exact_, &prefixes_})
    for (auto i = table->begin(); i != table->end();)
      i = i->second.owner == owner ? table->erase(i) : std::next(i);
}

void router::set_delegate(std::string prefix) {
  std::unique_lock lock(mutex_);
  delegate_ = std::move(prefix);
}

std::shared_ptr<const handler> router::find(std::string_view path) const {
  auto lookup = [this](std::string_view p) -> std::shared_ptr<const handler> {
    if (auto i = exact_.find(p); i != exact_.end())
      return i->second.fn;
    // The longest prefix route under which `p` lies (there are few).
    const route* best = nullptr;
    std::size_t best_length = 0;
    for (const auto& [prefix, candidate] : prefixes_)
      if (prefix.size() > best_length && p.substr(0, prefix.size()) == prefix) {
        best = &candidate;
        best_length = prefix.size();
      }
    if (best != nullptr)
      return best->fn;
    return nullptr;
  };
  std::shared_lock lock(mutex_);
  if (auto fn = lookup(path))
    return fn;
  if (!delegate_.empty()) {
    std::string delegated = delegate_;
    delegated += path;
    return lookup(delegated);
  }
  return nullptr;
}

void router::dispatch(request&& r, const responder& out) const {
  auto fn = find(r.path);
  if (!fn) {
    out.respond(response::error(404, "no endpoint at " + r.path + "\n"));
    return;
  }
  (*fn)(std::move(r), out);
}

bool router::has_route(std::string_view path) const {
  return find(path) != nullptr;
}

}  // namespace mensa::runtime::http
