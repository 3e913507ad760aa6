// The master's roles: weights and quota an operator changes at run time. The
// master checks each request whole, keeps what is in force and passes the
// change to its allocator; a refused request changes nothing.

#include "actors/master/master_process.hpp"

namespace mensa::master {

namespace {

internal::OperatorResponse refusal(const std::string& why) {
  internal::OperatorResponse refused;
  refused.set_error(why);
  return refused;
}

}  // namespace

google::protobuf::RepeatedPtrField<v1::WeightInfo> master_process::weight_infos()
    const {
  google::protobuf::RepeatedPtrField<v1::WeightInfo> infos;
  for (auto& [role, weight] : weights_) {
    auto* info = infos.Add();
    info->set_role(role);
    info->set_weight(weight);
  }
  return infos;
}

void master_process::send_roles(const address& to) {
  internal::OperatorResponse response;
  *response.mutable_weight_infos() = weight_infos();
  for (auto& [role, config] : quotas_)
    *response.add_quota_configs() = config;
  send(to, std::move(response));
}

runtime::expected<void> master_process::change_weights(
    const internal::UpdateWeights& msg) {
  for (auto& weight : msg.weight_infos())
    if (auto valid = common::validate_weight(weight); !valid)
      return valid.error();
  auto updated = weights_;
  for (auto& weight : msg.weight_infos()) {
    if (weight.weight() == 1.0)
      updated.erase(weight.role());
    else
      updated[weight.role()] = weight.weight();
  }
  internal::RegistryOperation op;
  for (auto& [role, weight] : updated) {
    auto* info = op.mutable_set_weights()->add_weights();
    info->set_role(role);
    info->set_weight(weight);
  }
  if (auto kept = writer_.keep(op, "the weights"); !kept)
    return kept;
  weights_ = std::move(updated);
  send(allocator_, msg);
  return {};
}

void master_process::on_update_weights(const address& from,
                                       const internal::UpdateWeights& msg) {
  if (auto changed = change_weights(msg); !changed)
    return send(from, refusal(changed.error().message));
  log(runtime::log_level::info, "weights of " +
                                    std::to_string(msg.weight_infos_size()) +
                                    " roles updated by " + from.str());
  send_roles(from);
}

runtime::expected<void> master_process::change_quota(const internal::UpdateQuota& msg) {
  // Each config is checked among the others of the request, as they would
  // all stand together.
  auto updated = quotas_;
  for (auto& config : msg.quota_configs()) {
    if (auto valid = common::validate_quota(config, updated); !valid)
      return valid.error();
    if (common::is_default_quota(config))
      updated.erase(config.role());
    else
      updated[config.role()] = config;
  }
  // Guarantees beyond the cluster cannot all be met: refused unless forced.
  if (!msg.force()) {
    // The admitted agents' resources, from the registry (quota changes are
    // rare; the master keeps no second copy of every agent's resources).
    common::resources total;
    for (auto& [_, agent] : writer_.kept().agents())
      total += common::resources(agent.info().resources());
    for (auto& [name, amount] : common::guaranteed_total(updated))
      if (common::round_scalar(amount) > total.scalar(name))
        return runtime::failure{
            "quota guarantees add up to " + common::format_scalar(amount) + " " + name +
            ", more than the cluster's " + common::format_scalar(total.scalar(name)) +
            " (force the update to set them anyway)"};
  }
  internal::RegistryOperation op;
  for (auto& [_, config] : updated)
    *op.mutable_set_quota()->add_quota_configs() = config;
  if (auto kept = writer_.keep(op, "the quota"); !kept)
    return kept;
  quotas_ = std::move(updated);
  send(allocator_, msg);
  return {};
}

void master_process::on_update_quota(const address& from,
                                     const internal::UpdateQuota& msg) {
  if (auto changed = change_quota(msg); !changed)
    return send(from, refusal(changed.error().message));
  log(runtime::log_level::info, "quota of " + std::to_string(msg.quota_configs_size()) +
                                    " roles updated by " + from.str());
  send_roles(from);
}

void master_process::on_get_roles(const address& from, const internal::GetRoles&) {
  send_roles(from);
}

}  // namespace mensa::master
