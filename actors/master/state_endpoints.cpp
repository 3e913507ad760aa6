// The master's read endpoints that Mesos tools rely on (the v0 API), as
// Mesos renders them.

#include "actors/master/master_process.hpp"
#include "actors/master/standby_routes.hpp"
#include "runtime/http/node_endpoints.hpp"

namespace mensa::master {

using runtime::http::response;

void master_process::on_health(const runtime::http::request& request,
                               const runtime::http::responder& out) {
  // Answered by the master itself: a master too busy to answer is not
  // healthy ("delayed responses are also indicative of poor health").
  out.respond(runtime::http::health_answer(request));
}

void master_process::on_redirect(const runtime::http::request& request,
                                 const runtime::http::responder& out) {
  // The leader sends its clients to itself: what a bookmark of any
  // master's /master/redirect reaches.
  out.respond(redirect_to_leader(self_address(), request.path));
}

}  // namespace mensa::master
