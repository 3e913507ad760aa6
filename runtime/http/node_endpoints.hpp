#pragma once

#include "runtime/http/router.hpp"
#include <optional>
#include <string_view>

#include "runtime/metrics.hpp"

namespace mensa::runtime::http {

/// Adds what every node serves, answered on its network thread (the
/// metrics once the registry's collectors delivered):
/// - `GET /health`: 200 with an empty body while the node's port serves;
/// - `GET /version`: the build, as Mesos's `/version` renders it;
/// - `GET /metrics`: every metric of `metrics` (those its collectors compute
///   included, once they delivered) in the Prometheus text format (0.0.4);
/// - `GET /metrics/snapshot`: the same as one flat JSON object, Mesos style.
///
/// `metrics` must outlive the routes.
void add_node_endpoints(router& routes, const metrics_registry& metrics);

/// Returns the answer to a health check: 200 with an empty body to a GET
/// (or HEAD), 405 to anything else.
response health_answer(const request& r);

/// Returns the answer to a request whose method is not `allowed` (405 with
/// an `Allow` field), or none when it is.
std::optional<response> method_not_allowed(const request& r, std::string_view allowed);

}  // namespace mensa::runtime::http
