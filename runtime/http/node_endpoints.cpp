#include "runtime/http/node_endpoints.hpp"

#include <string>

namespace mensa::runtime::http {

namespace {

// GET also allows HEAD, which answers the same without the body.
bool method_is(const request& r, std::string_view allowed) {
  return r.method == allowed || (allowed == "GET" && r.method == "HEAD");
}

std::string version_json() {
  std::string out = R"({"version":")";
  out += MENSA_VERSION;
  out += R"(","build_date":")";
  out += __DATE__;
  out += R"(","build_time":")";
  out += __TIME__;
  out += R"(","build_user":""})";
  return out;
}

}  // namespace

std::optional<response> method_not_allowed(const request& r, std::string_view allowed) {
  if (method_is(r, allowed))
    return std::nullopt;
  auto answer = response::error(
      405, "expecting a " + std::string(allowed) + " request, got " + r.method + "\n");
  answer.with("Allow", allowed == "GET" ? "GET, HEAD" : std::string(allowed));
  return answer;
}

response health_answer(const request& r) {
  return method_not_allowed(r, "GET").value_or(response::empty(200));
}

void add_node_endpoints(router& routes, const metrics_registry& metrics) {
  routes.add("/health",
             [](request&& r, const responder& out) { out.respond(health_answer(r)); });
  routes.add("/version", [](request&& r, const responder& out) {
    out.respond(method_not_allowed(r, "GET").value_or(response::ok(version_json())));
  });
  routes.add("/metrics", [&metrics](request&& r, const responder& out) {
    if (auto refused = method_not_allowed(r, "GET")) {
      out.respond(std::move(*refused));
      return;
    }
    metrics.collect([&metrics, out](metrics_registry::collection collected) {
      out.respond(response::ok(metrics.to_prometheus(collected),
                               "text/plain; version=0.0.4; charset=utf-8"));
    });
  });
  routes.add("/metrics/snapshot", [&metrics](request&& r, const responder& out) {
    if (auto refused = method_not_allowed(r, "GET")) {
      out.respond(std::move(*refused));
      return;
    }
    metrics.collect([&metrics, out](metrics_registry::collection collected) {
      out.respond(response::ok(metrics.to_json(collected)));
    });
  });
}

}  // namespace mensa::runtime::http
