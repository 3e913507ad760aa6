// The master's v0 read endpoints as Mesos renders them (readonly_handler.cpp
// in apache/mesos), from the operator API's descriptions: one state, two
// forms.

#include "actors/master/v0_views.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>
#include <set>
#include <unordered_map>

#include "actors/master/v0_json.hpp"

namespace mensa::master::v0 {

namespace {

using google::protobuf::RepeatedPtrField;
using state_response = v1::master::Response;
using framework_description = state_response::GetFrameworks::Framework;
using agent_description = state_response::GetAgents::Agent;

/// A framework's tasks and executors, which the operator API lists apart.
struct framework_parts {
  std::vector<const v1::Task*> tasks;
  std::vector<const v1::Task*> unreachable_tasks;
  std::vector<const v1::Task*> completed_tasks;
  std::vector<const state_response::GetExecutors::Executor*> executors;
};

using parts_by_framework = std::unordered_map<std::string, framework_parts>;

parts_by_framework parts_of(const state_response::GetState& state) {
  parts_by_framework parts;
  const auto& tasks = state.get_tasks();
  for (auto& t : tasks.tasks())
    parts[t.framework_id().value()].tasks.push_back(&t);
  for (auto& t : tasks.unreachable_tasks())
    parts[t.framework_id().value()].unreachable_tasks.push_back(&t);
  for (auto& t : tasks.completed_tasks())
    parts[t.framework_id().value()].completed_tasks.push_back(&t);
  for (auto& e : state.get_executors().executors())
    parts[e.executor_info().framework_id().value()].executors.push_back(&e);
  return parts;
}

void task_list(json_writer& w, const char* name,
               const std::vector<const v1::Task*>& tasks) {
  key(w, name);
  w.StartArray();
  for (auto* t : tasks)
    task(w, *t);
  w.EndArray();
}

void empty_array(json_writer& w, const char* name) {
  key(w, name);
  w.StartArray();
  w.EndArray();
}

bool multi_role(const v1::FrameworkInfo& info) {
  return std::any_of(
      info.capabilities().begin(), info.capabilities().end(),
      [](auto& c) { return c.type() == v1::FrameworkInfo::Capability::MULTI_ROLE; });
}

/// Mesos's FullFrameworkWriter.
void full_framework(json_writer& w, const framework_description& framework,
                    const parts_by_framework& all_parts) {
  static const framework_parts none;
  const auto& info = framework.framework_info();
  auto found = all_parts.find(info.id().value());
  const auto& parts = found != all_parts.end() ? found->second : none;
  w.StartObject();
  framework_summary_fields(w, framework);
  key(w, "user");
  string(w, info.user());
  key(w, "failover_timeout");
  number(w, info.failover_timeout());
  key(w, "checkpoint");
  w.Bool(info.checkpoint());
  key(w, "registered_time");
  seconds(w, framework.registered_time());
  key(w, "unregistered_time");
  seconds(w, framework.unregistered_time());
  if (info.has_principal()) {
    key(w, "principal");
    string(w, info.principal());
  }
  RepeatedPtrField<v1::Resource> held = framework.allocated_resources();
  held.MergeFrom(framework.offered_resources());
  key(w, "resources");
  resources(w, held);
  if (framework.has_reregistered_time() &&
      framework.reregistered_time().nanoseconds() !=
          framework.registered_time().nanoseconds()) {
    key(w, "reregistered_time");
    seconds(w, framework.reregistered_time());
  }
  if (multi_role(info)) {
    key(w, "roles");
    w.StartArray();
    for (auto& role : info.roles())
      string(w, role);
    w.EndArray();
  } else {
    key(w, "role");
    string(w, info.role());
  }
  task_list(w, "tasks", parts.tasks);
  task_list(w, "unreachable_tasks", parts.unreachable_tasks);
  task_list(w, "completed_tasks", parts.completed_tasks);
  key(w, "offers");
  w.StartArray();
  for (auto& o : framework.offers())
    offer(w, o);
  w.EndArray();
  key(w, "executors");
  w.StartArray();
  for (auto* e : parts.executors)
    executor(w, *e);
  w.EndArray();
  if (info.has_labels()) {
    key(w, "labels");
    labels(w, info.labels());
  }
  key(w, "offer_constraints");
  w.StartObject();
  w.EndObject();
  w.EndObject();
}

void agent(json_writer& w, const agent_description& agent) {
  w.StartObject();
  agent_info(w, agent.agent_info());
  agent_fields(w, agent);
  w.EndObject();
}

void recovered_agent(json_writer& w, const v1::AgentInfo& info) {
  w.StartObject();
  agent_info(w, info);
  w.EndObject();
}

void frameworks_array(json_writer& w, const char* name,
                      const RepeatedPtrField<framework_description>& frameworks,
                      const parts_by_framework& parts,
                      const std::optional<std::string>& only = std::nullopt) {
  key(w, name);
  w.StartArray();
  for (auto& f : frameworks)
    if (!only || f.framework_info().id().value() == *only)
      full_framework(w, f, parts);
  w.EndArray();
}

/// The task states the state summary counts, in Mesos's order.
constexpr v1::TaskState counted_states[] = {
    v1::TASK_STAGING,  v1::TASK_STARTING,   v1::TASK_RUNNING, v1::TASK_KILLING,
    v1::TASK_FINISHED, v1::TASK_KILLED,     v1::TASK_FAILED,  v1::TASK_LOST,
    v1::TASK_ERROR,    v1::TASK_UNREACHABLE};

/// Tasks by state, and who they tie together, for one agent or framework.
struct task_summary {
  std::map<v1::TaskState, std::size_t> by_state;
  std::set<std::string> peers;

  void write(json_writer& w, const char* peers_name) const {
    for (auto s : counted_states) {
      key(w, v1::TaskState_Name(s));
      auto n = by_state.find(s);
      w.Uint64(n == by_state.end() ? 0 : n->second);
    }
    key(w, peers_name);
    w.StartArray();
    for (auto& id : peers)
      string(w, id);
    w.EndArray();
  }
};

/// Writes `{name: number}`, sorted by name.
void numbers(json_writer& w, const std::map<std::string, double>& values) {
  w.StartObject();
  for (auto& [name, value] : values) {
    key(w, name);
    number(w, value);
  }
  w.EndObject();
}

/// Writes flags as `{name: value}`, sorted by name, as Mesos does.
void flag_values(json_writer& w,
                 const std::vector<std::pair<std::string, std::string>>& flags) {
  w.StartObject();
  for (auto& [name, value] :
       std::map<std::string, std::string>(flags.begin(), flags.end())) {
    key(w, name);
    string(w, value);
  }
  w.EndObject();
}

std::string finish(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

/// When this was compiled, in seconds since the epoch (Mesos's build_time).
double build_time() {
  std::tm t{};
  if (strptime(__DATE__ " " __TIME__, "%b %d %Y %H:%M:%S", &t) == nullptr)
    return 0;
  return static_cast<double>(timegm(&t));
}

bool parse_size(std::string_view text, std::size_t& out) {
  std::size_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size())
    return false;
  out = value;
  return true;
}

}  // namespace

task_query task_query::of(const runtime::http::request& request) {
  task_query query;
  if (auto limit = request.query_value("limit"))
    parse_size(*limit, query.limit);
  if (auto offset = request.query_value("offset"))
    parse_size(*offset, query.offset);
  query.ascending =
      request.query_value("order") == std::optional<std::string_view>("asc");
  if (auto id = request.query_value("framework_id"))
    query.framework_id = std::string(*id);
  if (auto id = request.query_value("task_id"))
    query.task_id = std::string(*id);
  return query;
}

std::string state(const master_summary& master, const state_response::GetState& state) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  const auto& agents = state.get_agents();
  std::size_t active = 0;
  for (auto& a : agents.agents())
    active += a.active() ? 1 : 0;
  w.StartObject();
  key(w, "version");
  string(w, master.info.version());
  key(w, "build_date");
  string(w, __DATE__);
  key(w, "build_time");
  number(w, build_time());
  key(w, "build_user");
  string(w, "");
  key(w, "start_time");
  number(w, master.start_time);
  key(w, "elected_time");
  number(w, master.elected_time);
  key(w, "id");
  string(w, master.info.id());
  key(w, "pid");
  string(w, master.info.pid());
  key(w, "hostname");
  string(w, master.info.hostname());
  key(w, "capabilities");
  w.StartArray();
  w.EndArray();
  key(w, "activated_slaves");
  number(w, static_cast<double>(active));
  key(w, "deactivated_slaves");
  number(w, static_cast<double>(agents.agents_size() - active));
  key(w, "unreachable_slaves");
  number(w, static_cast<double>(master.unreachable_agents));
  if (master.leader) {
    key(w, "leader");
    string(w, master.leader->pid());
    key(w, "leader_info");
    w.StartObject();
    key(w, "id");
    string(w, master.leader->id());
    key(w, "pid");
    string(w, master.leader->pid());
    key(w, "port");
    w.Uint(master.leader->port());
    key(w, "hostname");
    string(w, master.leader->hostname());
    w.EndObject();
  }
  key(w, "flags");
  flag_values(w, master.flags);
  key(w, "slaves");
  w.StartArray();
  for (auto& a : agents.agents())
    agent(w, a);
  w.EndArray();
  key(w, "recovered_slaves");
  w.StartArray();
  for (auto& info : agents.recovered_agents())
    recovered_agent(w, info);
  w.EndArray();
  auto parts = parts_of(state);
  frameworks_array(w, "frameworks", state.get_frameworks().frameworks(), parts);
  frameworks_array(w, "completed_frameworks",
                   state.get_frameworks().completed_frameworks(), parts);
  empty_array(w, "orphan_tasks");
  empty_array(w, "unregistered_frameworks");
  w.EndObject();
  return finish(buffer);
}

std::string state_summary(const master_summary& master,
                          const state_response::GetState& state) {
  // Counted over the tasks of frameworks still registered, as Mesos does.
  std::set<std::string> registered;
  for (auto& f : state.get_frameworks().frameworks())
    registered.insert(f.framework_info().id().value());
  std::unordered_map<std::string, task_summary> by_agent;
  std::unordered_map<std::string, task_summary> by_framework;
  auto count = [&](const RepeatedPtrField<v1::Task>& tasks) {
    for (auto& t : tasks) {
      const auto& framework_id = t.framework_id().value();
      if (registered.count(framework_id) == 0)
        continue;
      const auto& agent_id = t.agent_id().value();
      auto& of_agent = by_agent[agent_id];
      ++of_agent.by_state[t.state()];
      of_agent.peers.insert(framework_id);
      auto& of_framework = by_framework[framework_id];
      ++of_framework.by_state[t.state()];
      of_framework.peers.insert(agent_id);
    }
  };
  count(state.get_tasks().tasks());
  count(state.get_tasks().unreachable_tasks());
  count(state.get_tasks().completed_tasks());

  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  static const task_summary nothing;
  w.StartObject();
  key(w, "hostname");
  string(w, master.info.hostname());
  key(w, "slaves");
  w.StartArray();
  for (auto& a : state.get_agents().agents()) {
    w.StartObject();
    agent_info(w, a.agent_info());
    agent_fields(w, a);
    auto found = by_agent.find(a.agent_info().id().value());
    (found != by_agent.end() ? found->second : nothing).write(w, "framework_ids");
    w.EndObject();
  }
  w.EndArray();
  key(w, "frameworks");
  w.StartArray();
  for (auto& f : state.get_frameworks().frameworks()) {
    w.StartObject();
    framework_summary_fields(w, f);
    auto found = by_framework.find(f.framework_info().id().value());
    (found != by_framework.end() ? found->second : nothing).write(w, "slave_ids");
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return finish(buffer);
}

std::string frameworks(const state_response::GetState& state,
                       const std::optional<std::string>& framework_id) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  auto parts = parts_of(state);
  w.StartObject();
  frameworks_array(w, "frameworks", state.get_frameworks().frameworks(), parts,
                   framework_id);
  frameworks_array(w, "completed_frameworks",
                   state.get_frameworks().completed_frameworks(), parts, framework_id);
  empty_array(w, "unregistered_frameworks");
  w.EndObject();
  return finish(buffer);
}

std::string slaves(const state_response::GetAgents& agents,
                   const std::optional<std::string>& slave_id) {
  auto wanted = [&](const v1::AgentInfo& info) {
    return !slave_id || info.id().value() == *slave_id;
  };
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  key(w, "slaves");
  w.StartArray();
  for (auto& a : agents.agents())
    if (wanted(a.agent_info()))
      agent(w, a);
  w.EndArray();
  key(w, "recovered_slaves");
  w.StartArray();
  for (auto& info : agents.recovered_agents())
    if (wanted(info))
      recovered_agent(w, info);
  w.EndArray();
  w.EndObject();
  return finish(buffer);
}

std::string tasks(const state_response::GetTasks& tasks, const task_query& query) {
  std::vector<const v1::Task*> listed;
  auto add = [&](const RepeatedPtrField<v1::Task>& from) {
    for (auto& t : from)
      if ((!query.framework_id || t.framework_id().value() == *query.framework_id) &&
          (!query.task_id || t.task_id().value() == *query.task_id))
        listed.push_back(&t);
  };
  add(tasks.tasks());
  add(tasks.unreachable_tasks());
  add(tasks.completed_tasks());
  // By the time of the first status; tasks without one first when
  // ascending, last when descending (Mesos's TaskComparator).
  std::stable_sort(listed.begin(), listed.end(),
                   [&](const v1::Task* a, const v1::Task* b) {
                     if (a->statuses_size() == 0 || b->statuses_size() == 0)
                       return query.ascending ? a->statuses_size() < b->statuses_size()
                                              : a->statuses_size() > b->statuses_size();
                     // A time that is not a number sorts as 0 (a strict weak order).
                     auto time = [](const v1::Task* t) {
                       auto x = t->statuses(0).timestamp();
                       return std::isfinite(x) ? x : 0.0;
                     };
                     auto x = time(a), y = time(b);
                     return query.ascending ? x < y : x > y;
                   });
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  key(w, "tasks");
  w.StartArray();
  // Never past the list, whatever limit and offset add up to.
  auto end = query.offset < listed.size()
                 ? query.offset + std::min(query.limit, listed.size() - query.offset)
                 : query.offset;
  for (auto i = query.offset; i < end; ++i)
    task(w, *listed[i]);
  w.EndArray();
  w.EndObject();
  return finish(buffer);
}

std::string roles(const state_response::GetRoles& roles,
                  const common::quota_configs& quotas) {
  auto scalars_of = [](const auto& map) {
    std::map<std::string, double> sorted;
    for (auto& [name, scalar] : map)
      sorted[name] = scalar.value();
    return sorted;
  };
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  key(w, "roles");
  w.StartArray();
  for (auto& role : roles.roles()) {
    w.StartObject();
    key(w, "name");
    string(w, role.name());
    key(w, "weight");
    number(w, role.weight());
    key(w, "quota");
    w.StartObject();
    key(w, "role");
    string(w, role.name());
    auto quota = quotas.find(role.name());
    static const v1::quota::QuotaConfig no_quota;
    const auto& config = quota != quotas.end() ? quota->second : no_quota;
    key(w, "guarantee");
    numbers(w, scalars_of(config.guarantees()));
    key(w, "limit");
    numbers(w, scalars_of(config.limits()));
    // What the role holds; Mesos lists it as consumed, resources and
    // allocated alike.
    std::map<std::string, double> held;
    for (auto& r : role.resources())
      if (r.type() == v1::Value::SCALAR)
        held[r.name()] += r.scalar().value();
    key(w, "consumed");
    numbers(w, held);
    w.EndObject();
    key(w, "resources");
    numbers(w, held);
    key(w, "allocated");
    numbers(w, held);
    key(w, "offered");
    w.StartObject();
    w.EndObject();
    key(w, "reserved");
    w.StartObject();
    w.EndObject();
    key(w, "frameworks");
    w.StartArray();
    for (auto& id : role.frameworks())
      string(w, id.value());
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return finish(buffer);
}

std::string flags(const std::vector<std::pair<std::string, std::string>>& flags) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  key(w, "flags");
  flag_values(w, flags);
  w.EndObject();
  return finish(buffer);
}

}  // namespace mensa::master::v0
