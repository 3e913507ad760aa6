// `mensa executor`: the command executor and the default executor. An
// agent starts it in the executor's sandbox with MENSA_* environment
// variables saying who it is and where its agent is; it is not meant to be
// run by hand.

#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>

#include "actors/executor/command_executor.hpp"
#include "runtime/node.hpp"
#include "tools/mensa/command.hpp"

namespace mensa::tools {

namespace {

std::string env(const char* name) {
  auto* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

int run_executor(int argc, char** argv) {
  if (argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::printf(
        "Usage: mensa executor\n\n"
        "The command executor (one task) and the default executor (task groups),\n"
        "started by an agent. It reads MENSA_AGENT_ADDRESS, MENSA_FRAMEWORK_ID,\n"
        "MENSA_EXECUTOR_ID and MENSA_SANDBOX_DIRECTORY (and MENSA_TLS_* when the\n"
        "agent uses TLS).\n");
    return 0;
  }
  auto agent = runtime::address::parse(env("MENSA_AGENT_ADDRESS"));
  if (!agent || env("MENSA_FRAMEWORK_ID").empty() || env("MENSA_EXECUTOR_ID").empty()) {
    std::fprintf(stderr,
                 "mensa executor: run by an agent only (MENSA_AGENT_ADDRESS, "
                 "MENSA_FRAMEWORK_ID and MENSA_EXECUTOR_ID must be set)\n");
    return 2;
  }
  auto cfg = std::make_unique<runtime::node_config>();
  cfg->ip = std::string(agent->host());
  cfg->logging_level =
      env("MENSA_LOGGING_LEVEL").empty() ? "info" : env("MENSA_LOGGING_LEVEL");
  cfg->tls_certificate = env("MENSA_TLS_CERTIFICATE");
  cfg->tls_key = env("MENSA_TLS_KEY");
  cfg->tls_ca = env("MENSA_TLS_CA");
  cfg->tls_key_passphrase = env("MENSA_TLS_KEY_PASSPHRASE");
  runtime::event_loop loop;
  runtime::child_processes children(loop);
  auto started = runtime::node::start(std::move(cfg));
  if (!started) {
    std::fprintf(stderr, "mensa executor: %s\n", started.error().message.c_str());
    return 1;
  }
  auto& n = **started;
  executor::executor_context context;
  context.agent = *agent;
  context.framework_id.set_value(env("MENSA_FRAMEWORK_ID"));
  context.executor_id.set_value(env("MENSA_EXECUTOR_ID"));
  auto sandbox = env("MENSA_SANDBOX_DIRECTORY");
  std::vector<std::string> environment;
  for (auto* name : {"PATH", "HOME", "LANG"})
    if (!env(name).empty())
      environment.push_back(std::string(name) + "=" + env(name));
  auto spawned = n.spawn<executor::command_executor>("executor", context, children,
                                                     sandbox, environment);
  if (!spawned) {
    std::fprintf(stderr, "mensa executor: %s\n", spawned.error().message.c_str());
    return 1;
  }
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  auto handle = n.find("executor");
  if (!handle)
    return 0;
  handle->attach_functor([done](const caf::error&) { done->set_value(); });
  finished.wait();
  return 0;
}

}  // namespace mensa::tools
