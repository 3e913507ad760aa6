// UPDATE_FRAMEWORK: a subscribed framework changes its FrameworkInfo in
// place, as Mesos 1.9 lets it, for both transports.

#include "actors/common/framework_info.hpp"
#include "actors/master/master_process.hpp"
#include "runtime/log.hpp"

namespace mensa::master {

std::string master_process::update_framework(
    framework_record& framework, const v1::scheduler::Call::UpdateFramework& call) {
  const auto& info = call.framework_info();
  const auto& current = framework.info;
  if (!info.has_id() || info.id().value() != current.id().value())
    return "'update_framework.framework_info.id' is not the framework's ID " +
           current.id().value();
  if (auto why = validate_framework(info); !why.empty())
    return why;
  // What Mesos does not let a framework change without a new one.
  if (info.user() != current.user())
    return "Updating 'FrameworkInfo.user' is unsupported";
  if (info.checkpoint() != current.checkpoint())
    return "Updating 'FrameworkInfo.checkpoint' is unsupported";
  if (info.has_principal() != current.has_principal() ||
      info.principal() != current.principal())
    return "Updating 'FrameworkInfo.principal' is unsupported";
  auto roles_before = common::roles_of(current);
  framework.info = info;
  // Offers made for the roles it had are taken back, as Mesos does: it
  // may not launch in a role it left.
  if (common::roles_of(info) != roles_before)
    rescind_offers(framework);
  announce_framework_info(info, call.suppressed_roles());
  publish_framework(v1::master::Event::FRAMEWORK_UPDATED, framework);
  log(runtime::log_level::info,
      "updated framework " + info.id().value() + " (" + info.name() + ")");
  return {};
}

}  // namespace mensa::master
