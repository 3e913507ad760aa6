// The operator API, POST /api/v1: Mesos's checks in Mesos's order, then
// answers from the master's tables; changes go through the same code as
// `mensa weights` and `mensa quota` and the scheduler's own TEARDOWN.

#include <chrono>
#include <memory>

#include "actors/master/master_process.hpp"
#include "runtime/http/api_call.hpp"
#include "runtime/log.hpp"
#include "runtime/node.hpp"

namespace mensa::master {

namespace {

using runtime::http::expecting;
using runtime::http::response;
using operator_call = v1::master::Call;
using operator_response = v1::master::Response;

// What a call needs besides its type; returns what is wrong, or empty.
std::string validate_operator_call(const operator_call& call) {
  if (!call.has_type() || call.type() == operator_call::UNKNOWN)
    return expecting(false, "type");
  switch (call.type()) {
    case operator_call::UPDATE_WEIGHTS:
      return expecting(call.has_update_weights(), "update_weights");
    case operator_call::UPDATE_QUOTA:
      return expecting(call.has_update_quota(), "update_quota");
    case operator_call::TEARDOWN:
      return expecting(call.has_teardown(), "teardown");
    case operator_call::MARK_AGENT_GONE:
      return expecting(call.has_mark_agent_gone(), "mark_agent_gone");
    default:
      return {};
  }
}

// glog's verbosity for mensa's level: 1 (libprocess's first verbose
// level) while debug messages are logged, else 0.
uint32_t glog_verbosity() {
  return runtime::log_enabled(runtime::log_level::debug) ? 1 : 0;
}

}  // namespace

void master_process::on_operator_api(const runtime::http::request& request,
                                     const runtime::http::responder& out) {
  operator_call call;
  auto read = runtime::http::read_call(
      request, call, "master::Call", [](const google::protobuf::Message& parsed) {
        return validate_operator_call(static_cast<const operator_call&>(parsed));
      });
  if (auto* refusal = std::get_if<runtime::http::response>(&read)) {
    out.respond(std::move(*refusal));
    return;
  }
  auto encoding = std::get<runtime::http::encoding>(read);
  auto answer = [&](operator_response reply) {
    out.respond(response::ok(runtime::http::encode(reply, encoding),
                             runtime::http::content_type_of(encoding)));
  };
  auto refuse = [&](int status, const std::string& why) {
    out.respond(response::error(status, why));
  };
  auto done = [&] { out.respond(response::empty(200)); };
  operator_response reply;
  switch (call.type()) {
    case operator_call::GET_HEALTH:
      reply.set_type(operator_response::GET_HEALTH);
      reply.mutable_get_health()->set_healthy(true);
      return answer(std::move(reply));
    case operator_call::GET_FLAGS:
      reply.set_type(operator_response::GET_FLAGS);
      reply.mutable_get_flags();
      for (auto& [name, value] : local_node().config().flag_values()) {
        auto* flag = reply.mutable_get_flags()->add_flags();
        flag->set_name(name);
        flag->set_value(value);
      }
      return answer(std::move(reply));
    case operator_call::GET_VERSION: {
      reply.set_type(operator_response::GET_VERSION);
      auto& version = *reply.mutable_get_version()->mutable_version_info();
      version.set_version(MENSA_VERSION);
      version.set_build_date(__DATE__ " " __TIME__);
      return answer(std::move(reply));
    }
    case operator_call::GET_METRICS: {
      // What /metrics/snapshot shows, the master's own gauges included:
      // answered once the collectors delivered (this master among them,
      // after this call), from whichever thread delivers last.
      auto& registry = local_node().metrics();
      registry.collect(
          [&registry, out, encoding](runtime::metrics_registry::collection collected) {
            operator_response metrics;
            metrics.set_type(operator_response::GET_METRICS);
            auto& body = *metrics.mutable_get_metrics();
            for (auto& [name, value] : registry.values(collected)) {
              auto* metric = body.add_metrics();
              metric->set_name(name);
              metric->set_value(value);
            }
            out.respond(response::ok(runtime::http::encode(metrics, encoding),
                                     runtime::http::content_type_of(encoding)));
          });
      return;
    }
    case operator_call::GET_LOGGING_LEVEL:
      reply.set_type(operator_response::GET_LOGGING_LEVEL);
      reply.mutable_get_logging_level()->set_level(glog_verbosity());
      return answer(std::move(reply));
    case operator_call::GET_MASTER: {
      reply.set_type(operator_response::GET_MASTER);
      auto& master = *reply.mutable_get_master();
      *master.mutable_master_info() = master_info();
      master.set_start_time(static_cast<double>(started_ns_) / 1e9);
      master.set_elected_time(static_cast<double>(started_ns_) / 1e9);
      return answer(std::move(reply));
    }
    case operator_call::GET_STATE:
      // Encoded off the master's thread, equal calls sharing one encoding
      // (see on_state_view).
      state_views_.answer(
          "GET_STATE " + std::string(runtime::http::content_type_of(encoding)), out,
          [this, encoding] {
            auto state = std::make_shared<state_snapshot>(snapshot_state());
            return [state, encoding] {
              operator_response reply;
              reply.set_type(operator_response::GET_STATE);
              *reply.mutable_get_state() = std::move(state->describe());
              return response::ok(runtime::http::encode(reply, encoding),
                                  runtime::http::content_type_of(encoding));
            };
          });
      return;
    case operator_call::GET_AGENTS:
      reply.set_type(operator_response::GET_AGENTS);
      *reply.mutable_get_agents() = describe_agents();
      return answer(std::move(reply));
    case operator_call::GET_FRAMEWORKS:
      reply.set_type(operator_response::GET_FRAMEWORKS);
      *reply.mutable_get_frameworks() = describe_frameworks();
      return answer(std::move(reply));
    case operator_call::GET_EXECUTORS:
      reply.set_type(operator_response::GET_EXECUTORS);
      *reply.mutable_get_executors() = describe_executors();
      return answer(std::move(reply));
    case operator_call::GET_TASKS:
      reply.set_type(operator_response::GET_TASKS);
      *reply.mutable_get_tasks() = describe_tasks();
      return answer(std::move(reply));
    case operator_call::GET_ROLES:
      reply.set_type(operator_response::GET_ROLES);
      *reply.mutable_get_roles() = describe_roles();
      return answer(std::move(reply));
    case operator_call::GET_WEIGHTS:
      reply.set_type(operator_response::GET_WEIGHTS);
      *reply.mutable_get_weights()->mutable_weight_infos() = weight_infos();
      return answer(std::move(reply));
    case operator_call::GET_QUOTA:
      reply.set_type(operator_response::GET_QUOTA);
      reply.mutable_get_quota()->mutable_status();
      for (auto& [role, config] : quotas_)
        *reply.mutable_get_quota()->mutable_status()->add_configs() = config;
      return answer(std::move(reply));
    case operator_call::UPDATE_WEIGHTS: {
      internal::UpdateWeights update;
      *update.mutable_weight_infos() = call.update_weights().weight_infos();
      if (auto changed = change_weights(update); !changed)
        return refuse(400, changed.error().message);
      log(runtime::log_level::info, "weights of " +
                                        std::to_string(update.weight_infos_size()) +
                                        " roles updated over the operator API");
      return done();
    }
    case operator_call::UPDATE_QUOTA: {
      internal::UpdateQuota update;
      update.set_force(call.update_quota().force());
      *update.mutable_quota_configs() = call.update_quota().quota_configs();
      if (auto changed = change_quota(update); !changed)
        return refuse(400, changed.error().message);
      log(runtime::log_level::info, "quota of " +
                                        std::to_string(update.quota_configs_size()) +
                                        " roles updated over the operator API");
      return done();
    }
    case operator_call::MARK_AGENT_GONE: {
      const auto& agent_id = call.mark_agent_gone().agent_id().value();
      switch (mark_agent_gone(agent_id)) {
        case gone_marking::marked:
        case gone_marking::already_gone:
          return done();
        case gone_marking::unknown:
          return refuse(404, "Agent '" + agent_id + "' not found");
        case gone_marking::not_kept:
          return refuse(503, "Failed to mark agent '" + agent_id +
                                 "' gone: the registry could not keep it");
      }
      return;
    }
    case operator_call::SUBSCRIBE:
      return subscribe_operator(out, encoding);
    case operator_call::TEARDOWN: {
      const auto& framework_id = call.teardown().framework_id().value();
      if (frameworks_.count(framework_id) == 0)
        return refuse(400, "No framework found with specified ID");
      teardown(framework_id, "torn down by an operator");
      return done();
    }
    default:
      return refuse(501, "mensa does not support " +
                             operator_call::Type_Name(call.type()) + " calls");
  }
}

}  // namespace mensa::master
