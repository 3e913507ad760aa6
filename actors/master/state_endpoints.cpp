// The master's read endpoints that Mesos tools rely on (the v0 API), as
// Mesos renders them.

#include <algorithm>
#include <cctype>
#include <memory>

#include "actors/master/master_process.hpp"
#include "actors/master/standby_routes.hpp"
#include "runtime/http/node_endpoints.hpp"
#include "runtime/node.hpp"

namespace mensa::master {

namespace {

using runtime::http::response;
using rendering = runtime::shared_answers::rendering;
using state_response = v1::master::Response::GetState;
using agents_response = v1::master::Response::GetAgents;
using tasks_response = v1::master::Response::GetTasks;
using roles_response = v1::master::Response::GetRoles;

/// Returns whether `name` may be a JSONP callback: a JavaScript name, so
/// that no script can be slipped into the answer.
bool valid_callback(const std::string& name) {
  auto start = [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$';
  };
  if (name.empty())
    return true;
  if (!start(name.front()))
    return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
}

/// The answer to a view: JSON, or JavaScript calling `jsonp` with it.
response json_answer(std::string json, const std::string& jsonp) {
  if (jsonp.empty())
    return response::ok(std::move(json));
  return response::ok(jsonp + "(" + json + ");", "text/javascript");
}

/// A rendering of `view` from a snapshot it owns.
template <class Snapshot, class View>
rendering render(std::shared_ptr<Snapshot> snapshot, std::string jsonp, View view) {
  return [snapshot = std::move(snapshot), jsonp = std::move(jsonp), view] {
    return json_answer(view(*snapshot), jsonp);
  };
}

std::optional<std::string> query_text(const runtime::http::request& request,
                                      std::string_view name) {
  auto value = request.query_value(name);
  return value ? std::optional<std::string>(*value) : std::nullopt;
}

}  // namespace

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

void master_process::on_state_view(const runtime::http::request& request,
                                   const runtime::http::responder& out) {
  if (auto refused = runtime::http::method_not_allowed(request, "GET")) {
    out.respond(std::move(*refused));
    return;
  }
  if (!valid_callback(query_text(request, "jsonp").value_or(""))) {
    out.respond(response::error(
        400, "'jsonp' must be a JavaScript name ([A-Za-z_$][A-Za-z0-9_$.]*)"));
    return;
  }
  // Requests with the same target get the same answer.
  state_views_.answer(request.target, out,
                      [this, request] { return snapshot_view(request); });
}

rendering master_process::snapshot_view(const runtime::http::request& request) {
  // The view's name: the last part of the path ("/state" reaches here as
  // "/master/state" does), without ".json".
  auto name = std::string_view(request.path);
  name.remove_prefix(name.rfind('/') + 1);
  if (name.size() > 5 && name.substr(name.size() - 5) == ".json")
    name.remove_suffix(5);
  auto path = "/master/" + std::string(name);
  auto jsonp = query_text(request, "jsonp").value_or("");

  if (path == "/master/state" || path == "/master/state-summary" ||
      path == "/master/frameworks") {
    // The task records are described where the view is rendered.
    auto snapshot = std::make_shared<std::pair<v0::master_summary, state_snapshot>>(
        summary(), snapshot_state());
    auto id = query_text(request, "framework_id");
    return render(snapshot, jsonp, [path, id](auto& s) {
      const auto& state = s.second.describe();
      if (path == "/master/state")
        return v0::state(s.first, state);
      if (path == "/master/state-summary")
        return v0::state_summary(s.first, state);
      return v0::frameworks(state, id);
    });
  }
  if (path == "/master/slaves") {
    auto id = query_text(request, "slave_id");
    return render(std::make_shared<const agents_response>(describe_agents()), jsonp,
                  [id](auto& s) { return v0::slaves(s, id); });
  }
  if (path == "/master/tasks") {
    auto query = v0::task_query::of(request);
    return render(std::make_shared<const state_snapshot>(snapshot_tasks()), jsonp,
                  [query](auto& s) {
                    tasks_response tasks;
                    s.describe_tasks(tasks);
                    return v0::tasks(tasks, query);
                  });
  }
  if (path == "/master/roles") {
    auto snapshot =
        std::make_shared<const std::pair<roles_response, common::quota_configs>>(
            describe_roles(), quotas_);
    return render(snapshot, jsonp,
                  [](auto& s) { return v0::roles(s.first, s.second); });
  }
  auto flags = std::make_shared<const std::vector<std::pair<std::string, std::string>>>(
      local_node().config().flag_values());
  return render(flags, jsonp, [](auto& s) { return v0::flags(s); });
}

v0::master_summary master_process::summary() const {
  v0::master_summary out;
  out.info = master_info();
  out.leader = out.info;  // only the leader serves these views
  out.start_time = static_cast<double>(started_ns_) / 1e9;
  out.elected_time = out.start_time;
  out.flags = local_node().config().flag_values();
  for (auto& [id, agent] : agents_.all())
    out.unreachable_agents += agent.state == agent_state::unreachable ? 1 : 0;
  return out;
}

}  // namespace mensa::master
