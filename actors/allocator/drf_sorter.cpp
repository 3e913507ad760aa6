#include "actors/allocator/drf_sorter.hpp"

#include <algorithm>
#include <optional>

namespace mensa::allocator {

namespace {

const resource_quantities nothing;

std::string parent_path(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace

drf_sorter_base::drf_sorter_base(bool hierarchical,
                                 std::shared_ptr<cluster_total> total)
    : hierarchical_(hierarchical),
      root_(std::make_unique<node>()),
      total_(total ? std::move(total) : std::make_shared<cluster_total>()),
      seen_version_(total_->version) {}

drf_sorter_base::~drf_sorter_base() = default;

void drf_sorter_base::exclude_from_fairness(const std::set<std::string>& names) {
  excluded_.clear();
  for (auto& name : names) {
    auto index = resource_quantities::index_of(name);
    if (index >= excluded_.size())
      excluded_.resize(index + 1, false);
    excluded_[index] = true;
  }
  dirty_ = true;
}

// In a hierarchical sorter the client `a/b` is a leaf under the group
// `a/b`, whose parent is the group `a`: so `a`'s own frameworks compete
// with its subroles as one more child, as Mesos's virtual leaf does.
drf_sorter_base::node* drf_sorter_base::group(const std::string& path) {
  if (auto i = groups_.find(path); i != groups_.end())
    return i->second.get();
  auto parent_name = parent_path(path);
  auto* parent = parent_name.empty() ? root_.get() : group(parent_name);
  auto made = std::make_unique<node>();
  made->name = path;
  made->weight = weight(path);
  made->parent = parent;
  auto* result = made.get();
  groups_.emplace(path, std::move(made));
  ++parent->child_count;
  return result;
}

void drf_sorter_base::list(node* n, std::size_t selection) {
  n->position[selection] =
      n->parent->ordered[selection].insert({n->share, &n->name, n}).first;
  n->listed[selection] = true;
}

void drf_sorter_base::unlist(node* n, std::size_t selection) {
  n->parent->ordered[selection].erase(n->position[selection]);
  n->listed[selection] = false;
}

// After its share may have changed: moves it wherever it is listed.
void drf_sorter_base::reposition(node* n) {
  auto listed = n->listed;
  for (std::size_t s = 0; s < selections; ++s)
    if (listed[s])
      unlist(n, s);
  n->share = compute_share(*n);
  for (std::size_t s = 0; s < selections; ++s)
    if (listed[s])
      list(n, s);
}

double drf_sorter_base::compute_share(const node& n) const {
  double dominant = 0;
  n.allocation.every([&](std::size_t index, double amount) {
    if (index < excluded_.size() && excluded_[index])
      return true;
    auto total = total_->amounts.get(index);
    if (total > 0)
      dominant = std::max(dominant, amount / total);
    return true;
  });
  return dominant / n.weight;
}

drf_sorter_base::handle drf_sorter_base::add_client(const std::string& client,
                                                    void* payload) {
  if (auto i = leaves_.find(client); i != leaves_.end())
    return handle(i->second.get());
  auto made = std::make_unique<node>();
  made->name = client;
  made->weight = weight(client);
  made->leaf = true;
  made->payload = payload;
  made->parent = hierarchical_ ? group(client) : root_.get();
  auto* leaf = made.get();
  leaves_.emplace(client, std::move(made));
  ++leaf->parent->child_count;
  count_active(leaf, true, 0);
  return handle(leaf);
}

drf_sorter_base::handle drf_sorter_base::find(const std::string& client) const {
  auto i = leaves_.find(client);
  return i == leaves_.end() ? handle() : handle(i->second.get());
}

void drf_sorter_base::activate(handle client, bool active, std::size_t selection) {
  if (client)
    count_active(client.node_, active, selection);
}

void drf_sorter_base::allocated(handle client, const resource_quantities& r) {
  if (client)
    change_allocation(client.node_, r, true);
}

void drf_sorter_base::unallocated(handle client, const resource_quantities& r) {
  if (client)
    change_allocation(client.node_, r, false);
}

const resource_quantities& drf_sorter_base::allocation(handle client) const {
  if (!client)
    return nothing;
  return hierarchical_ ? client.node_->parent->allocation : client.node_->allocation;
}

void drf_sorter_base::remove(const std::string& client) {
  auto i = leaves_.find(client);
  if (i == leaves_.end())
    return;
  auto* leaf = i->second.get();
  change_allocation(leaf, leaf->allocation, false);
  for (std::size_t s = 0; s < selections; ++s)
    count_active(leaf, false, s);
  auto* parent = leaf->parent;
  --parent->child_count;
  leaves_.erase(i);
  prune(parent);
}

// Removes groups left without children, up the path (having no active
// leaves, they are listed nowhere).
void drf_sorter_base::prune(node* n) {
  while (n != root_.get() && n->child_count == 0) {
    auto* parent = n->parent;
    --parent->child_count;
    groups_.erase(n->name);
    n = parent;
  }
}

bool drf_sorter_base::contains(const std::string& client) const {
  return leaves_.count(client) > 0;
}

void drf_sorter_base::count_active(node* leaf, bool active, std::size_t selection) {
  if (leaf->active[selection] == active)
    return;
  leaf->active[selection] = active;
  for (auto* n = leaf; n != root_.get(); n = n->parent) {
    auto& count = n->active_leaves[selection];
    if (active && count++ == 0) {
      // Listed nowhere, its share may be old; listed elsewhere, it is not.
      if (!listed_anywhere(*n))
        n->share = compute_share(*n);
      list(n, selection);
    } else if (!active && --count == 0) {
      unlist(n, selection);
    }
  }
  auto& total = root_->active_leaves[selection];
  total = active ? total + 1 : total - 1;
}

void drf_sorter_base::activate(const std::string& client, bool active,
                               std::size_t selection) {
  activate(find(client), active, selection);
}

bool drf_sorter_base::active(const std::string& client, std::size_t selection) const {
  auto i = leaves_.find(client);
  return i != leaves_.end() && i->second->active[selection];
}

std::size_t drf_sorter_base::active_count(std::size_t selection) const noexcept {
  return root_->active_leaves[selection];
}

void drf_sorter_base::set_weight(const std::string& path, double weight) {
  weight = weight > 0 ? weight : 1.0;
  weights_[path] = weight;
  for (auto* nodes : {&groups_, &leaves_}) {
    auto i = nodes->find(path);
    if (i == nodes->end())
      continue;
    auto* n = i->second.get();
    n->weight = weight;
    if (!stale())  // else the next refresh reorders everything
      reposition(n);
  }
}

double drf_sorter_base::weight(const std::string& path) const {
  auto i = weights_.find(path);
  return i == weights_.end() ? 1.0 : i->second;
}

void drf_sorter_base::add_total(const resource_quantities& r) {
  if (r.empty())
    return;
  total_->amounts += r;
  ++total_->version;
}

void drf_sorter_base::subtract_total(const resource_quantities& r) {
  if (r.empty())
    return;
  total_->amounts -= r;
  ++total_->version;
}

void drf_sorter_base::change_allocation(node* leaf, const resource_quantities& r,
                                        bool add) {
  if (r.empty())
    return;
  // `r` may be the leaf's own allocation, which the loop changes.
  std::optional<resource_quantities> own;
  if (&r == &leaf->allocation)
    own = r;
  auto& delta = own ? *own : r;
  bool reorder = !stale();
  for (auto* n = leaf; n != root_.get(); n = n->parent) {
    if (add)
      n->allocation += delta;
    else
      n->allocation -= delta;
    if (reorder && listed_anywhere(*n))
      reposition(n);
  }
}

void drf_sorter_base::allocated(const std::string& client,
                                const resource_quantities& r) {
  allocated(find(client), r);
}

void drf_sorter_base::unallocated(const std::string& client,
                                  const resource_quantities& r) {
  unallocated(find(client), r);
}

// A client, or in a hierarchical sorter the subtree at `path`.
const drf_sorter_base::node* drf_sorter_base::find_path(const std::string& path) const {
  auto& nodes = hierarchical_ ? groups_ : leaves_;
  auto i = nodes.find(path);
  return i == nodes.end() ? nullptr : i->second.get();
}

const resource_quantities& drf_sorter_base::allocation(const std::string& path) const {
  auto* n = find_path(path);
  return n == nullptr ? nothing : n->allocation;
}

double drf_sorter_base::share(const std::string& path) const {
  auto* n = find_path(path);
  return n == nullptr ? 0 : compute_share(*n);
}

void drf_sorter_base::refresh() {
  if (!stale())
    return;
  dirty_ = false;
  seen_version_ = total_->version;
  refresh_children(root_.get());
}

// Recomputes the shares of the listed children (an unlisted node's whole
// subtree is unlisted, and gets its shares when listed again).
void drf_sorter_base::refresh_children(node* parent) {
  std::vector<node*> children;
  for (std::size_t s = 0; s < selections; ++s)
    for (auto& key : parent->ordered[s]) {
      auto& listed = key.child->listed;
      if (std::none_of(listed.begin(), listed.begin() + s, [](bool x) { return x; }))
        children.push_back(key.child);
    }
  for (auto* child : children) {
    reposition(child);
    if (!child->leaf)
      refresh_children(child);
  }
}

std::vector<std::string> drf_sorter_base::sort() {
  std::vector<std::string> result;
  visit_clients(
      [&](const std::string& client, void*) {
        result.push_back(client);
        return false;
      },
      0);
  return result;
}

}  // namespace mensa::allocator
