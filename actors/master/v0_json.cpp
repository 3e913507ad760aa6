// The objects of Mesos's v0 JSON (src/common/http.cpp and the master's
// readonly_handler.cpp in apache/mesos), written from the operator API's
// descriptions: the names, order and forms Mesos tools parse.

#include "actors/master/v0_json.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace mensa::master::v0 {

namespace {

using google::protobuf::RepeatedPtrField;

void ranges_text(std::vector<std::pair<uint64_t, uint64_t>> ranges, std::string& out) {
  // Coalesced and sorted, as Mesos's Ranges print.
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<uint64_t, uint64_t>> merged;
  for (auto& r : ranges) {
    if (!merged.empty() && r.first <= merged.back().second + 1)
      merged.back().second = std::max(merged.back().second, r.second);
    else
      merged.push_back(r);
  }
  out += '[';
  for (std::size_t i = 0; i < merged.size(); ++i) {
    if (i > 0)
      out += ", ";
    out += std::to_string(merged[i].first) + '-' + std::to_string(merged[i].second);
  }
  out += ']';
}

void set_text(const std::set<std::string>& items, std::string& out) {
  out += '{';
  bool first = true;
  for (auto& item : items) {
    if (!first)
      out += ", ";
    first = false;
    out += item;
  }
  out += '}';
}

void value_text(const v1::Value::Ranges& ranges, std::string& out) {
  std::vector<std::pair<uint64_t, uint64_t>> list;
  for (auto& r : ranges.range())
    list.emplace_back(r.begin(), r.end());
  ranges_text(std::move(list), out);
}

void status(json_writer& w, const v1::TaskStatus& status) {
  w.StartObject();
  key(w, "state");
  string(w, v1::TaskState_Name(status.state()));
  key(w, "timestamp");
  number(w, status.timestamp());
  if (status.has_labels()) {
    key(w, "labels");
    labels(w, status.labels());
  }
  if (status.has_healthy()) {
    key(w, "healthy");
    w.Bool(status.healthy());
  }
  w.EndObject();
}

/// The role a reserved resource is reserved for, or none.
const std::string* reserved_for(const v1::Resource& r) {
  if (r.reservations_size() > 0)
    return &r.reservations(r.reservations_size() - 1).role();
  if (r.has_reservation() || (r.has_role() && r.role() != "*"))
    return &r.role();
  return nullptr;
}

template <class Capabilities, class Name>
void capability_names(json_writer& w, const Capabilities& capabilities, Name name) {
  w.StartArray();
  for (auto& c : capabilities)
    string(w, name(c.type()));
  w.EndArray();
}

/// Returns `s` if it is valid UTF-8, else a copy with each invalid byte as
/// U+FFFD: rapidjson copies bytes as they are, and one bad byte in a task's
/// name (a protobuf client may send any) would break the whole document.
std::string_view valid_utf8(std::string_view s, std::string& scratch) {
  auto sequence = [&](std::size_t i) -> std::size_t {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xe  ? 3
                    : (c >> 3) == 0x1e ? 4
                                       : 0;
    if (n == 0 || i + n > s.size() || (n == 2 && c < 0xc2))
      return 0;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2)
        return 0;
    return n;
  };
  std::size_t i = 0;
  while (i < s.size()) {
    auto n = sequence(i);
    if (n == 0)
      break;
    i += n;
  }
  if (i == s.size())
    return s;
  scratch.assign(s.data(), i);
  while (i < s.size()) {
    if (auto n = sequence(i); n > 0) {
      scratch.append(s.data() + i, n);
      i += n;
    } else {
      scratch += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return scratch;
}

}  // namespace

void key(json_writer& w, std::string_view name) {
  std::string scratch;
  auto valid = valid_utf8(name, scratch);
  w.Key(valid.data(), static_cast<rapidjson::SizeType>(valid.size()));
}

void string(json_writer& w, std::string_view s) {
  std::string scratch;
  auto valid = valid_utf8(s, scratch);
  w.String(valid.data(), static_cast<rapidjson::SizeType>(valid.size()));
}

void number(json_writer& w, double x) {
  w.Double(std::isfinite(x) ? x : 0.0);
}

void seconds(json_writer& w, const v1::TimeInfo& time) {
  number(w, static_cast<double>(time.nanoseconds()) / 1e9);
}

void resources(json_writer& w, const RepeatedPtrField<v1::Resource>& resources) {
  std::map<std::string, double> scalars{
      {"cpus", 0}, {"gpus", 0}, {"mem", 0}, {"disk", 0}};
  std::map<std::string, std::vector<std::pair<uint64_t, uint64_t>>> ranges;
  std::map<std::string, std::set<std::string>> sets;
  for (auto& r : resources) {
    auto name = r.name();
    switch (r.type()) {
      case v1::Value::SCALAR:
        scalars[name] += r.scalar().value();
        break;
      case v1::Value::RANGES:
        for (auto& range : r.ranges().range())
          ranges[name].emplace_back(range.begin(), range.end());
        break;
      case v1::Value::SET:
        sets[name].insert(r.set().item().begin(), r.set().item().end());
        break;
      case v1::Value::TEXT:
        break;
    }
  }
  w.StartObject();
  for (auto& [name, value] : scalars) {
    key(w, name);
    number(w, value);
  }
  std::string text;
  for (auto& [name, list] : ranges) {
    key(w, name);
    text.clear();
    ranges_text(list, text);
    string(w, text);
  }
  for (auto& [name, items] : sets) {
    key(w, name);
    text.clear();
    set_text(items, text);
    string(w, text);
  }
  w.EndObject();
}

void labels(json_writer& w, const v1::Labels& labels) {
  w.StartArray();
  for (auto& label : labels.labels()) {
    w.StartObject();
    key(w, "key");
    string(w, label.key());
    if (label.has_value()) {
      key(w, "value");
      string(w, label.value());
    }
    w.EndObject();
  }
  w.EndArray();
}

void task(json_writer& w, const v1::Task& task) {
  w.StartObject();
  key(w, "id");
  string(w, task.task_id().value());
  key(w, "name");
  string(w, task.name());
  key(w, "framework_id");
  string(w, task.framework_id().value());
  key(w, "executor_id");
  string(w, task.executor_id().value());
  key(w, "slave_id");
  string(w, task.agent_id().value());
  key(w, "state");
  string(w, v1::TaskState_Name(task.state()));
  key(w, "resources");
  resources(w, task.resources());
  key(w, "role");
  string(w, task.resources_size() > 0 ? task.resources(0).allocation_info().role()
                                      : std::string());
  key(w, "statuses");
  w.StartArray();
  for (auto& s : task.statuses())
    status(w, s);
  w.EndArray();
  if (task.has_user()) {
    key(w, "user");
    string(w, task.user());
  }
  if (task.has_labels()) {
    key(w, "labels");
    labels(w, task.labels());
  }
  w.EndObject();
}

void agent_info(json_writer& w, const v1::AgentInfo& info) {
  key(w, "id");
  string(w, info.id().value());
  key(w, "hostname");
  string(w, info.hostname());
  key(w, "port");
  w.Int(info.port());
  key(w, "attributes");
  w.StartObject();
  std::string text;
  for (auto& attribute : info.attributes()) {
    key(w, attribute.name());
    switch (attribute.type()) {
      case v1::Value::SCALAR:
        number(w, attribute.scalar().value());
        break;
      case v1::Value::RANGES:
        text.clear();
        value_text(attribute.ranges(), text);
        string(w, text);
        break;
      case v1::Value::SET:
        text.clear();
        set_text({attribute.set().item().begin(), attribute.set().item().end()}, text);
        string(w, text);
        break;
      case v1::Value::TEXT:
        string(w, attribute.text().value());
        break;
    }
  }
  w.EndObject();
}

void agent_fields(json_writer& w, const v1::master::Response::GetAgents::Agent& agent) {
  key(w, "pid");
  string(w, agent.pid());
  key(w, "registered_time");
  seconds(w, agent.registered_time());
  if (agent.has_reregistered_time()) {
    key(w, "reregistered_time");
    seconds(w, agent.reregistered_time());
  }
  key(w, "resources");
  resources(w, agent.total_resources());
  key(w, "used_resources");
  resources(w, agent.allocated_resources());
  key(w, "offered_resources");
  resources(w, agent.offered_resources());
  std::map<std::string, RepeatedPtrField<v1::Resource>> reserved;
  RepeatedPtrField<v1::Resource> unreserved;
  for (auto& r : agent.total_resources()) {
    if (auto* role = reserved_for(r))
      *reserved[*role].Add() = r;
    else
      *unreserved.Add() = r;
  }
  key(w, "reserved_resources");
  w.StartObject();
  for (auto& [role, held] : reserved) {
    key(w, role);
    resources(w, held);
  }
  w.EndObject();
  key(w, "unreserved_resources");
  resources(w, unreserved);
  key(w, "active");
  w.Bool(agent.active());
  key(w, "deactivated");
  w.Bool(!agent.active());
  key(w, "version");
  string(w, agent.version());
  key(w, "capabilities");
  w.StartArray();
  w.EndArray();
}

void framework_summary_fields(
    json_writer& w, const v1::master::Response::GetFrameworks::Framework& framework) {
  const auto& info = framework.framework_info();
  key(w, "id");
  string(w, info.id().value());
  key(w, "name");
  string(w, info.name());
  key(w, "used_resources");
  resources(w, framework.allocated_resources());
  key(w, "offered_resources");
  resources(w, framework.offered_resources());
  key(w, "capabilities");
  capability_names(w, info.capabilities(), [](auto type) {
    return v1::FrameworkInfo::Capability::Type_Name(type);
  });
  key(w, "hostname");
  string(w, info.hostname());
  key(w, "webui_url");
  string(w, info.webui_url());
  key(w, "active");
  w.Bool(framework.active());
  key(w, "connected");
  w.Bool(framework.connected());
  key(w, "recovered");
  w.Bool(framework.recovered());
}

void executor(json_writer& w,
              const v1::master::Response::GetExecutors::Executor& executor) {
  const auto& info = executor.executor_info();
  w.StartObject();
  key(w, "executor_id");
  string(w, info.executor_id().value());
  key(w, "name");
  string(w, info.name());
  key(w, "framework_id");
  string(w, info.framework_id().value());
  key(w, "command");
  w.StartObject();
  if (info.command().has_shell()) {
    key(w, "shell");
    w.Bool(info.command().shell());
  }
  if (info.command().has_value()) {
    key(w, "value");
    string(w, info.command().value());
  }
  key(w, "argv");
  w.StartArray();
  for (auto& argument : info.command().arguments())
    string(w, argument);
  w.EndArray();
  key(w, "uris");
  w.StartArray();
  for (auto& uri : info.command().uris()) {
    w.StartObject();
    key(w, "value");
    string(w, uri.value());
    key(w, "executable");
    w.Bool(uri.executable());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  key(w, "resources");
  resources(w, info.resources());
  if (info.resources_size() > 0) {
    key(w, "role");
    string(w, info.resources(0).allocation_info().role());
  }
  if (info.has_labels()) {
    key(w, "labels");
    labels(w, info.labels());
  }
  if (info.has_type()) {
    key(w, "type");
    string(w, v1::ExecutorInfo::Type_Name(info.type()));
  }
  key(w, "slave_id");
  string(w, executor.agent_id().value());
  w.EndObject();
}

void offer(json_writer& w, const v1::Offer& offer) {
  w.StartObject();
  key(w, "id");
  string(w, offer.id().value());
  key(w, "framework_id");
  string(w, offer.framework_id().value());
  key(w, "allocation_info");
  w.StartObject();
  key(w, "role");
  string(w, offer.allocation_info().role());
  w.EndObject();
  key(w, "slave_id");
  string(w, offer.agent_id().value());
  key(w, "resources");
  resources(w, offer.resources());
  w.EndObject();
}

}  // namespace mensa::master::v0
