#include "actors/common/master_group.hpp"

#include <arpa/inet.h>
#include <google/protobuf/util/json_util.h>

namespace mensa::common {

v1::MasterInfo describe_master(const runtime::address& master, const std::string& id) {
  v1::MasterInfo info;
  info.set_id(id);
  auto host = std::string(master.host());
  in_addr ip{};
  info.set_ip(inet_pton(AF_INET, host.c_str(), &ip) == 1 ? ip.s_addr : 0);
  info.set_port(master.port());
  info.set_pid(master.str());
  info.set_hostname(host);
  info.set_version(MENSA_VERSION);
  auto* address = info.mutable_address();
  address->set_ip(host);
  address->set_port(master.port());
  return info;
}

std::optional<std::string> leading_member(const std::vector<std::string>& names) {
  std::optional<std::string> leader;
  for (auto& name : names) {
    if (name.compare(0, master_member_prefix.size(), master_member_prefix) != 0)
      continue;
    // Sequence numbers are zero-padded to the same width: text order is
    // numeric order.
    if (!leader || name.substr(master_member_prefix.size()) <
                       leader->substr(master_member_prefix.size()))
      leader = name;
  }
  return leader;
}

std::string member_data(const v1::MasterInfo& info) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(info, &json, options);
  return json;
}

runtime::expected<runtime::address> member_address(const std::string& data) {
  v1::MasterInfo info;
  if (auto parsed = google::protobuf::util::JsonStringToMessage(data, &info);
      !parsed.ok())
    return runtime::failure{"a master's znode does not hold a MasterInfo: " +
                            std::string(parsed.message())};
  auto address = runtime::address::parse(info.pid());
  if (!address)
    return runtime::failure{"a master's znode names no address ('" + info.pid() + "')"};
  return address;
}

}  // namespace mensa::common
