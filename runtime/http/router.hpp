#pragma once

#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "runtime/http/request.hpp"
#include "runtime/http/responder.hpp"

namespace mensa::runtime::http {

/// What a route does with a request. Called on the node's network thread:
/// it must not block (a process's route hands the request to the process).
using handler = std::function<void(request&&, const responder&)>;

/// A node's HTTP routes: which handler answers which path. A path no route
/// has is tried under the delegate's prefix ("/state" reaches
/// "/master/state" on a master, as libprocess delegated to its master), then
/// answered 404. Safe to use from any thread.
class router {
 public:
  /// Routes `path` (exact, e.g. "/master/state"; or, ending in '/', every
  /// path under it) to `fn`, for `owner` (see `remove_owned_by`); replaces
  /// a route of the same path.
  void add(std::string path, handler fn, const void* owner = nullptr);

  /// Removes the routes added for `owner`.
  void remove_owned_by(const void* owner);

  /// Sets the prefix tried for paths without a route, e.g. "/master".
  void set_delegate(std::string prefix);

  /// Hands `r` to its route's handler, or answers 404.
  void dispatch(request&& r, const responder& out) const;

  /// Returns whether `path` has a route (after delegation).
  bool has_route(std::string_view path) const;

 private:
  struct route {
    std::shared_ptr<const handler> fn;
    const void* owner;
  };

  std::shared_ptr<const handler> find(std::string_view path) const;

  mutable std::shared_mutex mutex_;
  std::map<std::string, route, std::less<>> exact_;
  std::map<std::string, route, std::less<>> prefixes_;
  std::string delegate_;
};

}  // namespace mensa::runtime::http
