#include "tools/mensa/cluster_flags.hpp"

#include <unistd.h>

#include <charconv>
#include <climits>
#include <cstdlib>
#include <filesystem>

#include "actors/agent/agent_process.hpp"
#include "actors/agent/process_containerizer.hpp"
#include "actors/agent/resource_detection.hpp"
#include "actors/allocator/allocator_process.hpp"
#include "actors/common/master_address.hpp"
#include "actors/common/quota_config.hpp"
#include "actors/master/master_process.hpp"
#include "runtime/process_handle.hpp"
#include "caf/config_option_adder.hpp"
#include "caf/config_value.hpp"

namespace mensa::tools {

void declare_master_flags(caf::config_option_set& options, master_flags& flags) {
  caf::config_option_adder{options, "global"}
      .add(flags.allocation_interval, "allocation_interval",
           "time between allocation passes (1s)")
      .add(flags.agent_ping_interval, "agent_ping_interval",
           "time between the master's pings to each agent (15s)")
      .add(flags.max_agent_ping_timeouts, "max_agent_ping_timeouts",
           "pings an agent may miss before it is unreachable (5)")
      .add(flags.max_completed_frameworks, "max_completed_frameworks",
           "completed frameworks the master remembers (50)")
      .add(flags.max_completed_tasks_per_framework, "max_completed_tasks_per_framework",
           "completed tasks the master remembers per framework (1000)")
      .add(flags.max_operator_event_stream_subscribers,
           "max_operator_event_stream_subscribers",
           "operator API event streams (SUBSCRIBE on /api/v1) open at once; a "
           "new one beyond it closes the oldest (1000)")
      .add(flags.weights, "weights",
           "role weights from the start, e.g. dev=1,prod=3 (others weigh 1)")
      .add(flags.fair_sharing_excluded_resource_names,
           "fair_sharing_excluded_resource_names",
           "resources left out of fair shares, e.g. gpus")
      .add(flags.min_allocatable_resources, "min_allocatable_resources",
           "smallest offer worth making: alternatives separated by '|', each "
           "in full (cpus:0.01|mem:32)")
      .add(flags.agent_reregister_timeout, "agent_reregister_timeout",
           "time the registry's agents have to reregister after the master "
           "starts (10min)")
      .add(flags.agent_removal_rate_limit, "agent_removal_rate_limit",
           "most agents made unreachable for silence (missed pings, or not back "
           "after a lost connection) per time, e.g. "
           "1/20min (default: no limit)")
      .add(flags.registry_gc_interval, "registry_gc_interval",
           "time between the master's looks for unreachable agents to forget "
           "(15min)")
      .add(flags.registry_max_agent_age, "registry_max_agent_age",
           "time after which an unreachable agent is forgotten; with a kept "
           "registry (--work_dir, --zk) one that comes back is told to shut "
           "down (336h: two weeks)")
      .add(flags.registry_max_agent_count, "registry_max_agent_count",
           "unreachable agents remembered at most; the longest unreachable "
           "beyond it are forgotten (102400)");
}

namespace {

runtime::expected<std::vector<allocator::resource_quantities>> parse_min_allocatable(
    const std::string& text) {
  std::vector<allocator::resource_quantities> result;
  for (auto& part : runtime::split_list(text, '|')) {
    auto parsed = common::resources::parse(part);
    if (!parsed)
      return runtime::failure{"invalid --min_allocatable_resources '" + text +
                              "': " + parsed.error().message};
    auto quantities = allocator::resource_quantities::of(*parsed);
    if (quantities.empty())
      return runtime::failure{"invalid --min_allocatable_resources '" + text + "': '" +
                              part + "' names no scalar amount"};
    result.push_back(std::move(quantities));
  }
  if (result.empty())
    return runtime::failure{"invalid --min_allocatable_resources '" + text +
                            "': expected e.g. cpus:0.01|mem:32"};
  return result;
}

// Parses `N/DURATION`, e.g. `1/20min`.
runtime::expected<master::rate_limit> parse_rate_limit(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return runtime::failure{"invalid --agent_removal_rate_limit '" + text +
                            "': " + why};
  };
  auto slash = text.find('/');
  if (slash == std::string::npos)
    return bad("expected PERMITS/DURATION, e.g. 1/20min");
  master::rate_limit limit;
  auto permits = text.substr(0, slash);
  auto [end, error] =
      std::from_chars(permits.data(), permits.data() + permits.size(), limit.permits);
  if (error != std::errc{} || end != permits.data() + permits.size() ||
      limit.permits == 0)
    return bad("'" + permits + "' is not a positive whole number");
  auto window = caf::config_value::parse(text.substr(slash + 1));
  auto* duration = window ? caf::get_if<caf::timespan>(&*window) : nullptr;
  if (duration == nullptr || duration->count() <= 0)
    return bad("'" + text.substr(slash + 1) +
               "' is not a duration such as 20min or 30s");
  limit.window = *duration;
  return limit;
}

}  // namespace

void declare_agent_flags(caf::config_option_set& options, agent_flags& flags,
                         bool with_master) {
  std::string resources_help =
      with_master ? "resources to offer, e.g. cpus:4;mem:8192;disk:10000;"
                    "ports:[31000-32000] (what is left out is detected)"
                  : "resources each agent offers, e.g. cpus:1;mem:1024 (default: the "
                    "machine shared equally)";
  std::string work_dir_help =
      with_master ? "directory for sandboxes (required)"
                  : "directory for sandboxes, a folder per agent (/tmp/mensa-local)";
  caf::config_option_adder adder{options, "global"};
  if (with_master)
    adder
        .add(flags.master, "master",
             "the master, HOST:PORT, or zk://HOST:PORT[,...]/PATH to follow the "
             "leader that masters started with --zk elect (required)")
        .add(flags.zk_session_timeout, "zk_session_timeout",
             "time a ZooKeeper session outlives a lost connection (10s)");
  adder.add(flags.resources, "resources", resources_help)
      .add(flags.attributes, "attributes", "attributes, e.g. rack:r1;zone:z2")
      .add(flags.hostname, "hostname", "the name frameworks see (default: --ip)")
      .add(flags.work_dir, "work_dir", work_dir_help)
      .add(flags.executor_registration_timeout, "executor_registration_timeout",
           "time an executor has to subscribe (1min)")
      .add(flags.executor_reregistration_timeout, "executor_reregistration_timeout",
           "time an executor that outlived an agent restart has to subscribe "
           "again (5s)")
      .add(flags.executor_shutdown_grace_period, "executor_shutdown_grace_period",
           "time an executor has to exit after a shutdown (5s)")
      .add(flags.executor_idle_timeout, "executor_idle_timeout",
           "time a default executor stays without tasks (10s)")
      .add(flags.master_ping_timeout, "master_ping_timeout",
           "silence from the master after which the agent registers again (75s)");
}

runtime::expected<runtime::address> spawn_master(runtime::node& n,
                                                 const master_flags& flags) {
  master::registry kept;
  if (!flags.work_dir.empty()) {
    auto recovered = master::registry::recover(flags.work_dir + "/registry");
    if (!recovered)
      return runtime::failure{"cannot recover the registry: " +
                              recovered.error().message};
    kept = std::move(*recovered);
  }
  return spawn_master(n, flags, std::move(kept), {});
}

runtime::expected<runtime::address> spawn_master(runtime::node& n,
                                                 const master_flags& flags,
                                                 master::registry kept,
                                                 const std::string& id) {
  auto master = n.address_of("master");
  if (!master)
    return master;
  allocator::allocator_options allocation;
  allocation.allocation_interval = flags.allocation_interval;
  auto min_allocatable = parse_min_allocatable(flags.min_allocatable_resources);
  if (!min_allocatable)
    return min_allocatable.error();
  allocation.min_allocatable = std::move(*min_allocatable);
  for (auto& name : runtime::split_list(flags.fair_sharing_excluded_resource_names))
    allocation.fairness_excluded.insert(name);
  auto weights = common::parse_weights(flags.weights);
  if (!weights)
    return runtime::failure{"invalid --weights: " + weights.error().message};
  if (flags.registry_gc_interval <= caf::timespan::zero())
    return runtime::failure{"invalid --registry_gc_interval: it must be longer than 0"};
  if (auto spawned =
          n.spawn<allocator::allocator_process>("allocator", *master, allocation);
      !spawned)
    return spawned;
  master::master_options options;
  options.id = id;
  options.agent_ping_interval = flags.agent_ping_interval;
  options.max_missed_pongs = static_cast<uint32_t>(flags.max_agent_ping_timeouts);
  options.max_completed_frameworks = flags.max_completed_frameworks;
  options.max_completed_tasks_per_framework = flags.max_completed_tasks_per_framework;
  options.max_operator_event_stream_subscribers =
      flags.max_operator_event_stream_subscribers;
  options.weights = std::move(*weights);
  options.agent_reregister_timeout = flags.agent_reregister_timeout;
  options.registry_gc_interval = flags.registry_gc_interval;
  options.registry_max_agent_age = flags.registry_max_agent_age;
  options.registry_max_agent_count = flags.registry_max_agent_count;
  if (!flags.agent_removal_rate_limit.empty()) {
    auto limit = parse_rate_limit(flags.agent_removal_rate_limit);
    if (!limit)
      return limit.error();
    options.agent_removal_rate_limit = *limit;
  }
  return n.spawn<master::master_process>("master", *n.address_of("allocator"), options,
                                         std::move(kept));
}

void await_master_started(runtime::node& n) {
  // A big registry may take its time to recover.
  runtime::process_handle::find(n, "master").await_started(std::chrono::minutes(5));
}

runtime::expected<runtime::address> spawn_agent(runtime::node& n,
                                                const std::string& name,
                                                const agent_flags& flags,
                                                const runtime::address& master,
                                                runtime::child_processes& children,
                                                const std::string& resources) {
  if (flags.work_dir.empty())
    return runtime::failure{"--work_dir is required (a directory for sandboxes)"};
  if (auto made = agent::make_directories(flags.work_dir); !made)
    return runtime::failure{"invalid --work_dir: " + made.error().message};
  auto detected = agent::agent_resources(
      resources.empty() ? flags.resources : resources, flags.work_dir);
  if (!detected)
    return detected.error();
  agent::agent_options options;
  options.master = master;
  options.resources = *detected;
  options.attributes = flags.attributes;
  options.hostname = flags.hostname;
  options.work_dir = flags.work_dir;
  options.executor_registration_timeout = flags.executor_registration_timeout;
  options.executor_reregistration_timeout = flags.executor_reregistration_timeout;
  options.executor_shutdown_grace_period = flags.executor_shutdown_grace_period;
  options.executor_idle_timeout = flags.executor_idle_timeout;
  options.master_ping_timeout = flags.master_ping_timeout;
  // What every executor gets from its agent: how to reach the agent's node.
  std::vector<std::string> environment;
  auto path = std::getenv("PATH");
  environment.push_back(std::string("PATH=") +
                        (path ? path : "/usr/local/bin:/usr/bin:/bin"));
  if (auto home = std::getenv("HOME"))
    environment.push_back(std::string("HOME=") + home);
  auto& cfg = n.config();
  environment.push_back("MENSA_LOGGING_LEVEL=" + cfg.logging_level);
  if (cfg.tls_enabled()) {
    environment.push_back("MENSA_TLS_CERTIFICATE=" + cfg.tls_certificate);
    environment.push_back("MENSA_TLS_KEY=" + cfg.tls_key);
    environment.push_back("MENSA_TLS_CA=" + cfg.tls_ca);
    if (!cfg.tls_key_passphrase.empty())
      environment.push_back("MENSA_TLS_KEY_PASSPHRASE=" + cfg.tls_key_passphrase);
  }
  auto* children_ptr = &children;
  options.containerizer =
      [children_ptr, environment](agent::containerizer::termination_callback done) {
        return std::make_unique<agent::process_containerizer>(
            *children_ptr, mensa_program(), environment, std::move(done));
      };
  // What an earlier run of this agent kept: its ID, and the executors of
  // frameworks that checkpoint, which outlived it.
  auto meta = flags.work_dir + "/meta";
  if (!flags.recover) {
    std::error_code ignored;
    std::filesystem::remove_all(meta, ignored);
  }
  auto kept = agent::checkpoint::recover(meta);
  if (!kept)
    return runtime::failure{"cannot recover the agent's checkpoint in " + meta + ": " +
                            kept.error().message};
  auto self = n.address_of(name);
  if (!self)
    return self;
  if (auto same = kept->admits(agent::agent_process::describe(options, *self)); !same)
    return runtime::failure{"the agent kept in " + meta + " cannot be taken over: " +
                            same.error().message + "; start with the same flags, or " +
                            "remove " + meta + " to start as a new agent"};
  return n.spawn<agent::agent_process>(name, std::move(options), std::move(*kept));
}

runtime::expected<runtime::address> master_address(const std::string& text) {
  if (text.empty())
    return runtime::failure{"--master is required, e.g. --master=127.0.0.1:5050"};
  auto parsed = common::parse_master_address(text);
  if (!parsed)
    return runtime::failure{"invalid --master '" + text + "': expected HOST:PORT"};
  return parsed;
}

runtime::expected<common::master_source> master_source_of(const std::string& text) {
  if (!runtime::zookeeper_url::names_one(text)) {
    auto fixed = master_address(text);
    if (!fixed)
      return fixed.error();
    return common::master_source{*fixed, std::nullopt};
  }
  auto source = common::parse_master_source(text);
  if (!source)
    return runtime::failure{"invalid --master: " + source.error().message};
  return source;
}

std::string mensa_program() {
  char path[PATH_MAX];
  auto n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<std::size_t>(n)) : std::string("mensa");
}

}  // namespace mensa::tools
