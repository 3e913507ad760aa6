#include "actors/common/quota_config.hpp"

#include <cmath>
#include <cstdio>

#include "actors/common/resources.hpp"
#include "actors/common/roles.hpp"

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

std::string number(double x) {
  char text[64];
  std::snprintf(text, sizeof(text), "%g", x);
  return text;
}

}  // namespace

runtime::expected<void> validate_weight(const v1::WeightInfo& weight) {
  if (auto valid = validate_role(weight.role()); !valid)
    return valid;
  if (!std::isfinite(weight.weight()) || weight.weight() <= 0)
    return runtime::failure{"weight of '" + weight.role() +
                            "' must be a finite number above 0, not " +
                            number(weight.weight())};
  return {};
}

runtime::expected<std::vector<v1::WeightInfo>> parse_weights(std::string_view text) {
  std::vector<v1::WeightInfo> result;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    text =
        comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    auto equals = item.find('=');
    if (equals == std::string_view::npos)
      return runtime::failure{"invalid weight '" + std::string(item) +
                              "': expected ROLE=WEIGHT"};
    v1::WeightInfo weight;
    weight.set_role(std::string(item.substr(0, equals)));
    auto value = std::string(item.substr(equals + 1));
    char* end = nullptr;
    auto parsed = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0')
      return runtime::failure{"invalid weight '" + std::string(item) + "': '" + value +
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
      return fail("guarantee of " + name + " (" + number(guarantee.value()) +
                  ") is above its limit (" + number(limit) + ")");
  }
  // The hierarchy: every ancestor's config bounds this one, and this one
  // bounds its subroles'.
  auto config_of = [&](const std::string& r) -> const v1::quota::QuotaConfig* {
    if (r == role)
      return &config;
    auto i = in_force.find(r);
    return i == in_force.end() ? nullptr : &i->second;
  };
  std::vector<std::string> roles{role};
  for (auto& [other, _] : in_force)
    if (other != role)
      roles.push_back(other);
  for (auto& parent : roles) {
    auto* upper = config_of(parent);
    for (auto& child : roles) {
      if (child == parent || !is_same_or_ancestor(parent, child))
        continue;
      if (parent != role && child != role)
        continue;
      auto* lower = config_of(child);
      for (auto& [name, limit] : lower->limits()) {
        auto bound = amount_of(upper->limits(), name, INFINITY);
        if (limit.value() > bound)
          return fail("limit of " + name + " for '" + child + "' (" +
                      number(limit.value()) + ") is above the limit for '" + parent +
                      "' (" + number(bound) + ")");
      }
    }
    // The guarantees of the direct and deeper subroles with quota, summed
    // over the outermost ones, fit in the parent's guarantee.
    if (upper->guarantees().empty())
      continue;
    std::map<std::string, double> below;
    for (auto& child : roles) {
      if (child == parent || !is_same_or_ancestor(parent, child))
        continue;
      bool outermost = true;
      for (auto& middle : roles)
        if (middle != parent && middle != child &&
            is_same_or_ancestor(parent, middle) && is_same_or_ancestor(middle, child) &&
            !config_of(middle)->guarantees().empty())
          outermost = false;
      if (!outermost)
        continue;
      for (auto& [name, amount] : config_of(child)->guarantees())
        below[name] += amount.value();
    }
    for (auto& [name, sum] : below) {
      auto bound = amount_of(upper->guarantees(), name, 0);
      if (round_scalar(sum) > bound)
        return fail("the guarantees of the subroles of '" + parent + "' add up to " +
                    number(sum) + " " + name + ", above its own guarantee (" +
                    number(bound) + ")");
    }
  }
  return {};
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
    out += name + ':' + number(amount);
  }
  return out;
}

}  // namespace mensa::common
