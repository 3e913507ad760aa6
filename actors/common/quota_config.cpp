#include "actors/common/quota_config.hpp"

#include <cmath>

#include "actors/common/resources.hpp"
#include "actors/common/roles.hpp"
#include "runtime/node_config.hpp"

namespace mensa::common {

namespace {

using amounts = google::protobuf::Map<std::string, v1::Value::Scalar>;

runtime::expected<void> check_amounts(const std::string& role, const char* what,
                                      const amounts& xs) {
  for (auto& [name, scalar] : xs) {
    if (name.empty())
      return runtime::failure{"quota of '" + role + "': a " + what +
                              " has no resource name"};
    if (!std::isfinite(scalar.value()) || scalar.value() < 0)
      return runtime::failure{"quota of '" + role + "': " + what + " of " + name +
                              " must be a finite amount of at least 0"};
  }
  return {};
}

double amount_of(const amounts& xs, const std::string& name, double otherwise) {
  auto i = xs.find(name);
  return i == xs.end() ? otherwise : i->second.value();
}

// Whether a role strictly between `upper` (an ancestor of `role`, or ""
// for the top) and `role` has a guarantee.
template <class ConfigOf>
bool guaranteed_between(const ConfigOf& config_of, const std::string& upper,
                        const std::string& role) {
  for (auto& middle : lineage(role)) {
    if (middle == role)
      break;
    if (middle.size() <= upper.size())
      continue;
    auto* config = config_of(middle);
    if (config != nullptr && !config->guarantees().empty())
      return true;
  }
  return false;
}

}  // namespace

runtime::expected<void> validate_weight(const v1::WeightInfo& weight) {
  if (auto valid = validate_role(weight.role()); !valid)
    return valid;
  if (!std::isfinite(weight.weight()) || weight.weight() <= 0)
    return runtime::failure{"weight of '" + weight.role() +
                            "' must be a finite number above 0, not " +
                            format_scalar(weight.weight())};
  return {};
}

runtime::expected<std::vector<v1::WeightInfo>> parse_weights(std::string_view text) {
  std::vector<v1::WeightInfo> result;
  for (auto& item : runtime::split_list(text)) {
    auto equals = item.find('=');
    if (equals == std::string_view::npos)
      return runtime::failure{"invalid weight '" + item + "': expected ROLE=WEIGHT"};
    v1::WeightInfo weight;
    weight.set_role(item.substr(0, equals));
    auto value = item.substr(equals + 1);
    char* end = nullptr;
    auto parsed = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0')
      return runtime::failure{"invalid weight '" + item + "': '" + value +
                              "' is not a number"};
    weight.set_weight(parsed);
    if (auto valid = validate_weight(weight); !valid)
      return valid.error();
    result.push_back(std::move(weight));
  }
  return result;
}

bool is_default_quota(const v1::quota::QuotaConfig& config) {
  return config.guarantees().empty() && config.limits().empty();
}

runtime::expected<void> validate_quota(const v1::quota::QuotaConfig& config,
                                       const quota_configs& in_force) {
  auto& role = config.role();
  if (auto valid = validate_role(role); !valid)
    return valid;
  if (role == "*")
    return runtime::failure{"quota cannot be set for the role '*'"};
  if (auto ok = check_amounts(role, "guarantee", config.guarantees()); !ok)
    return ok;
  if (auto ok = check_amounts(role, "limit", config.limits()); !ok)
    return ok;
  auto fail = [&](const std::string& why) {
    return runtime::failure{"quota of '" + role + "': " + why};
  };
  for (auto& [name, guarantee] : config.guarantees()) {
    auto limit = amount_of(config.limits(), name, INFINITY);
    if (guarantee.value() > limit)
      return fail("guarantee of " + name + " (" + format_scalar(guarantee.value()) +
                  ") is above its limit (" + format_scalar(limit) + ")");
  }
  // The hierarchy, as this config would stand among those in force: the
  // quotas on its line bound it, and it bounds its subroles'.
  auto config_of = [&](const std::string& r) -> const v1::quota::QuotaConfig* {
    if (r == role)
      return &config;
    auto i = in_force.find(r);
    return i == in_force.end() ? nullptr : &i->second;
  };
  // The roles with quota below `parent`, this config's role included.
  auto subroles = [&](const std::string& parent) {
    std::vector<std::string> result;
    auto prefix = parent + "/";
    for (auto i = in_force.lower_bound(prefix);
         i != in_force.end() && i->first.compare(0, prefix.size(), prefix) == 0; ++i)
      if (i->first != role)
        result.push_back(i->first);
    if (role.compare(0, prefix.size(), prefix) == 0)
      result.push_back(role);
    return result;
  };
  auto limits_within = [&](const std::string& parent,
                           const std::string& child) -> runtime::expected<void> {
    for (auto& [name, limit] : config_of(child)->limits()) {
      auto bound = amount_of(config_of(parent)->limits(), name, INFINITY);
      if (limit.value() > bound)
        return fail("limit of " + name + " for '" + child + "' (" +
                    format_scalar(limit.value()) + ") is above the limit for '" +
                    parent + "' (" + format_scalar(bound) + ")");
    }
    return {};
  };
  auto line = lineage(role);
  for (auto& ancestor : line)
    if (ancestor != role && config_of(ancestor) != nullptr)
      if (auto ok = limits_within(ancestor, role); !ok)
        return ok;
  for (auto& child : subroles(role))
    if (auto ok = limits_within(role, child); !ok)
      return ok;
  // On the line, each guarantee holds the guarantees of its outermost
  // guaranteed subroles together.
  for (auto& parent : line) {
    auto* upper = config_of(parent);
    if (upper == nullptr || upper->guarantees().empty())
      continue;
    std::map<std::string, double> below;
    for (auto& child : subroles(parent))
      if (!guaranteed_between(config_of, parent, child))
        for (auto& [name, amount] : config_of(child)->guarantees())
          below[name] += amount.value();
    for (auto& [name, sum] : below) {
      auto bound = amount_of(upper->guarantees(), name, 0);
      if (round_scalar(sum) > bound)
        return fail("the guarantees of the subroles of '" + parent + "' add up to " +
                    format_scalar(sum) + " " + name + ", above its own guarantee (" +
                    format_scalar(bound) + ")");
    }
  }
  return {};
}

std::map<std::string, double> guaranteed_total(const quota_configs& configs) {
  auto config_of = [&](const std::string& r) -> const v1::quota::QuotaConfig* {
    auto i = configs.find(r);
    return i == configs.end() ? nullptr : &i->second;
  };
  std::map<std::string, double> total;
  for (auto& [role, config] : configs)
    if (!guaranteed_between(config_of, "", role))
      for (auto& [name, amount] : config.guarantees())
        total[name] += amount.value();
  return total;
}

runtime::expected<v1::quota::QuotaConfig> make_quota_config(const std::string& role,
                                                            std::string_view guarantees,
                                                            std::string_view limits) {
  v1::quota::QuotaConfig config;
  config.set_role(role);
  auto fill = [&](std::string_view text, const char* what,
                  amounts* into) -> runtime::expected<void> {
    if (text.empty())
      return {};
    auto parsed = resources::parse(text);
    if (!parsed)
      return runtime::failure{std::string("invalid ") + what + ": " +
                              parsed.error().message};
    for (auto& r : parsed->entries()) {
      if (r.type() != v1::Value::SCALAR)
        return runtime::failure{std::string("invalid ") + what + ": " + r.name() +
                                " is not a scalar (quota takes amounts only)"};
      if (r.reservations_size() > 0)
        return runtime::failure{std::string("invalid ") + what + ": " + r.name() +
                                " names a role (quota takes plain amounts)"};
      (*into)[r.name()].set_value(r.scalar().value());
    }
    return {};
  };
  if (auto ok = fill(guarantees, "guarantee", config.mutable_guarantees()); !ok)
    return ok.error();
  if (auto ok = fill(limits, "limit", config.mutable_limits()); !ok)
    return ok.error();
  return config;
}

std::string format_quantities(const amounts& xs) {
  std::map<std::string, double> sorted;
  for (auto& [name, scalar] : xs)
    sorted[name] = scalar.value();
  std::string out;
  for (auto& [name, amount] : sorted) {
    if (!out.empty())
      out += ';';
    out += name + ':' + format_scalar(amount);
  }
  return out;
}

}  // namespace mensa::common
