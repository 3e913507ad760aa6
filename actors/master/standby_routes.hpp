#pragma once

#include <mutex>
#include <string_view>

#include "runtime/address.hpp"
#include "runtime/http/response.hpp"
#include "runtime/http/router.hpp"

namespace mensa::master {

/// Returns Mesos's answer to a client of a master that does not lead: 307
/// with `Location: //HOST:PORT<path>` to `leader` (`//HOST:PORT` alone for
/// `/master/redirect` and `/redirect`), or 503 "No leader elected" when
/// `leader` is empty.
runtime::http::response redirect_to_leader(const runtime::address& leader,
                                           std::string_view path);

/// The HTTP routes of a master node while it does not lead (`mensa master
/// --zk` waiting for its turn), as Mesos's standby masters answer: the
/// scheduler and operator APIs and every `/master/...` path (and `/state`
/// and the rest of the delegated paths) are redirected to the leader it
/// was last told of; `/master/health` is 200, since the node is healthy.
/// The node's own endpoints (`/health`, `/metrics`, ...) stay. Once the
/// node leads, `remove()` makes way for the master's own routes.
class standby_routes {
 public:
  /// Adds the routes to `routes`, which must outlive this.
  explicit standby_routes(runtime::http::router& routes);
  ~standby_routes();
  standby_routes(const standby_routes&) = delete;
  standby_routes& operator=(const standby_routes&) = delete;

  /// Clients go to `leader` from now on (none: 503). From any thread.
  void follow(const runtime::address& leader);

  /// Removes the routes (at once; again is harmless).
  void remove();

 private:
  runtime::address leader() const;

  runtime::http::router& routes_;
  mutable std::mutex mutex_;
  runtime::address leader_;
};

}  // namespace mensa::master
