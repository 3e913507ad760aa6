#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/allocator/resource_quantities.hpp"

namespace mensa::allocator {

/// Orders clients by Dominant Resource Fairness: a client's share is its
/// largest fraction of any resource of the cluster total (names excluded
/// from fairness left out), divided by its weight; the smallest share comes
/// first, ties by name, so the order is deterministic.
///
/// A hierarchical sorter takes role paths (`a/b/c`) as clients: siblings
/// are ordered by the share of their whole subtree, so `a`'s children
/// together compete with `b` as one. A flat sorter takes any names
/// (framework IDs).
///
/// Clients are active or not in each of two selections, visited apart (the
/// allocator's fair-share and guarantee stages), so one sorter serves both
/// and an allocation is recorded once. Selection 0 is the default.
///
/// Incremental: every node keeps, per selection, its children with active
/// clients ordered (inactive ones are not in the way of a visit), and a
/// change of allocation repositions only the nodes on the client's path. A change of
/// the total (an agent added or removed) marks all shares stale and they
/// are recomputed once, at the next `visit`. Plain C++, no actor inside.
///
/// Its clients carry what `drf_sorter<Client>` types: use that.
class drf_sorter_base {
  struct node;

 public:
  /// The cluster total shares are measured against; sorters may share one
  /// (a role's framework sorters do), so adding an agent costs one update.
  struct cluster_total {
    resource_quantities amounts;
    /// Bumped on every change; a sorter that saw another refreshes.
    uint64_t version = 0;
  };

  /// A flat sorter, or a hierarchical one over role paths; with its own
  /// total unless given one to share.
  explicit drf_sorter_base(bool hierarchical = false,
                           std::shared_ptr<cluster_total> total = nullptr);

  drf_sorter_base(const drf_sorter_base&) = delete;
  drf_sorter_base& operator=(const drf_sorter_base&) = delete;
  drf_sorter_base(drf_sorter_base&&) = default;
  drf_sorter_base& operator=(drf_sorter_base&&) = default;
  ~drf_sorter_base();

  /// Leaves resources named here (e.g. `gpus`) out of every share.
  void exclude_from_fairness(const std::set<std::string>& names);

  /// A client's place in the sorter, so hot paths skip the name lookup.
  /// Valid until the client is removed.
  class handle {
   public:
    handle() = default;

    /// Returns whether it refers to a client.
    explicit operator bool() const noexcept { return node_ != nullptr; }

   private:
    friend class drf_sorter_base;
    explicit handle(node* n) : node_(n) {}
    node* node_ = nullptr;
  };

  /// The number of selections.
  static constexpr std::size_t selections = 2;

  /// Returns the handle of `client`, empty if unknown.
  handle find(const std::string& client) const;

  /// Removes a client and forgets its allocation.
  void remove(const std::string& client);

  /// Returns whether `client` is known.
  bool contains(const std::string& client) const;

  /// Inactive clients keep their allocation but are not visited in that
  /// selection.
  void activate(const std::string& client, bool active, std::size_t selection = 0);

  /// Same as `activate(client, active, selection)`.
  void activate(handle client, bool active, std::size_t selection = 0);

  /// Returns whether `client` is known and active in `selection`.
  bool active(const std::string& client, std::size_t selection = 0) const;

  /// Returns the number of clients active in `selection`.
  std::size_t active_count(std::size_t selection = 0) const noexcept;

  /// Sets the weight (> 0) of `path`, a client or (hierarchical) a
  /// subtree; it stays when the path has no client yet. Default 1.
  void set_weight(const std::string& path, double weight);

  /// Returns the weight of `path`.
  double weight(const std::string& path) const;

  /// Adds to the total shares are measured against.
  void add_total(const resource_quantities& r);

  /// Subtracts from the total shares are measured against.
  void subtract_total(const resource_quantities& r);

  /// Returns the total shares are measured against.
  const resource_quantities& total() const noexcept { return total_->amounts; }

  /// Returns the total, to share with other sorters.
  const std::shared_ptr<cluster_total>& shared_total() const noexcept { return total_; }

  /// Records resources allocated to `client` (ignored if unknown).
  void allocated(const std::string& client, const resource_quantities& r);

  /// Records resources `client` gave back (ignored if unknown).
  void unallocated(const std::string& client, const resource_quantities& r);

  /// Same as `allocated(client, r)`.
  void allocated(handle client, const resource_quantities& r);

  /// Same as `unallocated(client, r)`.
  void unallocated(handle client, const resource_quantities& r);

  /// Returns what `path` holds: the client's allocation, or in a
  /// hierarchical sorter the sum over its subtree.
  const resource_quantities& allocation(const std::string& path) const;

  /// Returns what the client holds, with its subtree in a hierarchical
  /// sorter; stays valid (and current) while the client is known.
  const resource_quantities& allocation(handle client) const;

  /// Returns the weighted dominant share of `path` (see `allocation`).
  double share(const std::string& path) const;

  /// Returns the active clients, smallest share first.
  std::vector<std::string> sort();

  /// Returns whether no client is known.
  bool empty() const noexcept { return leaves_.empty(); }

 protected:
  /// Adds a client carrying `payload`, active in selection 0 only;
  /// re-adding a known client changes nothing. Returns its handle.
  handle add_client(const std::string& client, void* payload);

  /// Calls `fn(client, payload)` for the clients active in `selection`,
  /// smallest share first, until it returns true; returns whether it did.
  template <class F>
  bool visit_clients(F&& fn, std::size_t selection) {
    refresh();
    return visit_children(root_.get(), fn, selection);
  }

 private:
  // A node as its parent orders it: by the share it had when inserted.
  struct child_key {
    double share;
    const std::string* name;
    node* child;
  };

  struct key_order {
    bool operator()(const child_key& x, const child_key& y) const {
      if (x.share != y.share)
        return x.share < y.share;
      return *x.name < *y.name;
    }
  };

  using ordering = std::set<child_key, key_order>;

  struct node {
    std::string name;
    node* parent = nullptr;
    bool leaf = false;
    /// A leaf's own activity, per selection.
    std::array<bool, selections> active{};
    void* payload = nullptr;
    /// Active leaves in its subtree, per selection.
    std::array<std::size_t, selections> active_leaves{};
    /// Current while it is listed anywhere (and the sorter is not stale).
    double share = 0;
    /// Its path's weight (`weights_`), kept here for the hot path.
    double weight = 1;
    resource_quantities allocation;
    /// How many children it has, active or not.
    std::size_t child_count = 0;
    /// Per selection, its children with active leaves in it, ordered.
    std::array<ordering, selections> ordered;
    /// Per selection, whether it is in its parent's `ordered` and where,
    /// so moving it costs no search.
    std::array<bool, selections> listed{};
    std::array<ordering::iterator, selections> position;
  };

  template <class F>
  bool visit_children(node* parent, F& fn, std::size_t selection) {
    for (auto& key : parent->ordered[selection]) {
      auto* child = key.child;
      if (child->leaf ? fn(static_cast<const std::string&>(child->name), child->payload)
                      : visit_children(child, fn, selection))
        return true;
    }
    return false;
  }

  node* group(const std::string& path);
  const node* find_path(const std::string& path) const;
  void list(node* n, std::size_t selection);
  void unlist(node* n, std::size_t selection);
  void reposition(node* n);
  static bool listed_anywhere(const node& n) {
    return std::any_of(n.listed.begin(), n.listed.end(), [](bool x) { return x; });
  }
  double compute_share(const node& n) const;
  void change_allocation(node* leaf, const resource_quantities& r, bool add);
  void count_active(node* leaf, bool active, std::size_t selection);
  void prune(node* n);
  bool stale() const noexcept { return dirty_ || seen_version_ != total_->version; }
  void refresh();
  void refresh_children(node* n);

  bool hierarchical_;
  std::unique_ptr<node> root_;
  std::unordered_map<std::string, std::unique_ptr<node>> leaves_;
  std::unordered_map<std::string, std::unique_ptr<node>> groups_;
  std::map<std::string, double> weights_;
  /// By resource index (`resource_quantities::index_of`).
  std::vector<bool> excluded_;
  std::shared_ptr<cluster_total> total_;
  uint64_t seen_version_ = 0;
  bool dirty_ = false;
};

/// A DRF sorter (see `drf_sorter_base`) whose clients each carry a
/// `Client*`, what `visit` hands back: the allocator's record of a role or
/// a framework, say; nothing with `Client = void`.
template <class Client = void>
class drf_sorter : public drf_sorter_base {
 public:
  using drf_sorter_base::drf_sorter_base;

  /// Adds a client carrying `payload`, active in selection 0 only;
  /// re-adding a known client changes nothing. Returns its handle.
  handle add(const std::string& client, Client* payload = nullptr) {
    return add_client(client, payload);
  }

  /// Calls `fn(client, payload)` (a `const std::string&` and a `Client*`)
  /// for the clients active in `selection`, smallest share first, until
  /// it returns true; returns whether it did. `fn` may change the sorter
  /// only when it then returns true.
  template <class F>
  bool visit(F&& fn, std::size_t selection = 0) {
    return visit_clients(
        [&fn](const std::string& client, void* payload) {
          return fn(client, static_cast<Client*>(payload));
        },
        selection);
  }
};

}  // namespace mensa::allocator
