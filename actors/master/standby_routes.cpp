#include "actors/master/standby_routes.hpp"

#include "runtime/http/node_endpoints.hpp"

namespace mensa::master {

runtime::http::response redirect_to_leader(const runtime::address& leader,
                                           std::string_view path) {
  if (leader.empty())
    return runtime::http::response::error(503, "No leader elected");
  std::string location = "//" + std::string(leader.endpoint());
  if (path != "/master/redirect" && path != "/redirect")
    location += path;
  auto answer = runtime::http::response::empty(307);
  answer.with("Location", std::move(location));
  return answer;
}

standby_routes::standby_routes(runtime::http::router& routes) : routes_(routes) {
  auto redirect = [this](runtime::http::request&& r,
                         const runtime::http::responder& out) {
    out.respond(redirect_to_leader(leader(), r.path));
  };
  for (const char* path : {"/api/v1/scheduler", "/api/v1", "/api/v1/", "/master/"})
    routes_.add(path, redirect, this);
  routes_.add(
      "/master/health",
      [](runtime::http::request&& r, const runtime::http::responder& out) {
        out.respond(runtime::http::health_answer(r));
      },
      this);
  routes_.set_delegate("/master");
}

standby_routes::~standby_routes() {
  remove();
}

void standby_routes::follow(const runtime::address& leader) {
  std::lock_guard lock(mutex_);
  leader_ = leader;
}

void standby_routes::remove() {
  routes_.remove_owned_by(this);
}

runtime::address standby_routes::leader() const {
  std::lock_guard lock(mutex_);
  return leader_;
}

}  // namespace mensa::master
