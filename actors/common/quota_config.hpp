#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mensa/v1/mensa.pb.h"
#include "mensa/v1/quota.pb.h"
#include "runtime/expected.hpp"

namespace mensa::common {

/// Quota configs in force, by role.
using quota_configs = std::map<std::string, v1::quota::QuotaConfig>;

/// Checks a weight: a valid role name and a finite weight above 0.
runtime::expected<void> validate_weight(const v1::WeightInfo& weight);

/// Parses Mesos's `--weights` format, `dev=2,prod/web=3.5`.
runtime::expected<std::vector<v1::WeightInfo>> parse_weights(std::string_view text);

/// Checks a quota config as it would stand among `in_force` (a config of
/// the same role there is replaced): a valid role other than `*`; finite,
/// non-negative amounts; no guarantee above the role's limit; no limit
/// above an ancestor's limit and no guarantee of a subrole above its
/// ancestor's; the guarantees of a role's subroles together within the
/// role's own guarantee.
runtime::expected<void> validate_quota(const v1::quota::QuotaConfig& config,
                                       const quota_configs& in_force);

/// Returns the guarantees of `configs` summed by resource name, each
/// counted once: a guarantee inside a guaranteed ancestor is part of it.
std::map<std::string, double> guaranteed_total(const quota_configs& configs);

/// Returns whether a config asks for nothing (it removes the role's quota).
bool is_default_quota(const v1::quota::QuotaConfig& config);

/// Builds a config from `cpus:2;mem:1024`-style quantities; says what is
/// wrong with them (not a scalar, a role or a bad number).
runtime::expected<v1::quota::QuotaConfig> make_quota_config(const std::string& role,
                                                            std::string_view guarantees,
                                                            std::string_view limits);

/// Formats a config's amounts as `cpus:2;mem:1024`.
std::string format_quantities(
    const google::protobuf::Map<std::string, v1::Value::Scalar>& amounts);

}  // namespace mensa::common
