// `mensa weights` and `mensa quota`: an operator changes (or shows) role
// weights and quota on a running master, and sees what is in force after.

#include <cstdio>
#include <future>
#include <memory>
#include <string>

#include "actors/common/master_detector.hpp"
#include "actors/common/quota_config.hpp"
#include "mensa/internal/operator.pb.h"
#include "runtime/node.hpp"
#include "runtime/process.hpp"
#include "tools/mensa/cluster_flags.hpp"
#include "tools/mensa/command.hpp"

namespace mensa::tools {

namespace {

// The flags of `mensa weights` or, with `quota`, of `mensa quota`.
class role_config : public runtime::node_config {
 public:
  role_config(std::string text, bool quota) {
    usage = std::move(text);
    opt_group group{custom_options_, "global"};
    group
        .add(master, "master",
             "the master, HOST:PORT, or zk://HOST:PORT[,...]/PATH for the one "
             "leading there (required)")
        .add(timeout, "timeout", "time to wait for the master's answer (10s)");
    if (!quota) {
      group.add(set, "set", "weights to set, e.g. dev=1,prod=3 (1 resets a role)");
      return;
    }
    group.add(role, "role", "the role whose quota to set")
        .add(guarantee, "guarantee", "amounts guaranteed, e.g. cpus:2;mem:2048")
        .add(limit, "limit", "amounts never exceeded, e.g. cpus:8;mem:8192")
        .add(force, "force", "set guarantees even beyond the cluster's resources");
  }

  std::string master;
  caf::timespan timeout = std::chrono::seconds(10);
  std::string set;
  std::string role;
  std::string guarantee;
  std::string limit;
  bool force = false;
};

// Prints what the master has in force.
void print_roles(const internal::OperatorResponse& response) {
  if (response.weight_infos_size() == 0 && response.quota_configs_size() == 0) {
    std::printf("every role weighs 1 and has no quota\n");
    return;
  }
  for (auto& weight : response.weight_infos())
    std::printf("weight %s=%g\n", weight.role().c_str(), weight.weight());
  for (auto& quota : response.quota_configs()) {
    std::printf("quota %s:", quota.role().c_str());
    if (!quota.guarantees().empty())
      std::printf(" guarantee %s",
                  common::format_quantities(quota.guarantees()).c_str());
    if (!quota.limits().empty())
      std::printf(" limit %s", common::format_quantities(quota.limits()).c_str());
    std::printf("\n");
  }
}

// Sends one request to the master and reports its answer as an exit code.
template <class Request>
class operator_client : public runtime::process {
 public:
  operator_client(caf::actor_config& cfg, runtime::node& owner, address self,
                  address master, Request request, caf::timespan timeout,
                  std::shared_ptr<std::promise<int>> done)
      : process(cfg, owner, std::move(self)),
        master_(std::move(master)),
        request_(std::move(request)),
        timeout_(timeout),
        done_(std::move(done)) {}

 protected:
  void on_start() override {
    install(&operator_client::on_response);
    link(master_);
    send(master_, std::move(request_));
    delay(timeout_,
          [this] { finish(1, "no answer from " + master_.str() + " in time"); });
  }

  void exited(const address& peer, const runtime::peer_exit& why) override {
    finish(1, "cannot reach the master at " + peer.str() + ": " + why.detail);
  }

 private:
  void on_response(const address&, const internal::OperatorResponse& response) {
    if (response.has_error())
      return finish(1, response.error());
    print_roles(response);
    finish(0, {});
  }

  void finish(int code, const std::string& why) {
    if (finished_)
      return;
    finished_ = true;
    if (!why.empty())
      std::fprintf(stderr, "mensa: %s\n", why.c_str());
    std::fflush(stdout);
    done_->set_value(code);
    quit();
  }

  address master_;
  Request request_;
  caf::timespan timeout_;
  std::shared_ptr<std::promise<int>> done_;
  bool finished_ = false;
};

template <class Request>
int ask_master(const char* command, std::unique_ptr<role_config> cfg, Request request) {
  auto source = master_source_of(cfg->master);
  if (!source) {
    std::fprintf(stderr, "%s: %s\n", command, source.error().message.c_str());
    return 2;
  }
  auto timeout = cfg->timeout;
  auto master = source->fixed;
  if (source->group) {
    auto leader = common::find_leading_master(
        *source->group, std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
    if (!leader) {
      std::fprintf(stderr, "%s: %s\n", command, leader.error().message.c_str());
      return 1;
    }
    master = *leader;
  }
  auto started = runtime::node::start(std::move(cfg));
  if (!started) {
    std::fprintf(stderr, "%s: %s\n", command, started.error().message.c_str());
    return 1;
  }
  auto done = std::make_shared<std::promise<int>>();
  auto result = done->get_future();
  auto spawned = (*started)->spawn<operator_client<Request>>(
      "operator", master, std::move(request), timeout, done);
  if (!spawned) {
    std::fprintf(stderr, "%s: %s\n", command, spawned.error().message.c_str());
    return 1;
  }
  return result.get();
}

}  // namespace

int run_weights(int argc, char** argv) {
  auto cfg = std::make_unique<role_config>(
      "Usage: mensa weights --master=HOST:PORT [--set=ROLE=WEIGHT,...]\n\n"
      "Sets role weights on a running master (a role of weight 2 gets twice the\n"
      "share of one of weight 1) and prints the weights and quota in force.\n"
      "Without --set, only prints them.",
      false);
  if (auto code = cfg->parse_command_line("mensa weights", argc, argv); code >= 0)
    return code;
  if (cfg->set.empty())
    return ask_master("mensa weights", std::move(cfg), internal::GetRoles{});
  auto weights = common::parse_weights(cfg->set);
  if (!weights) {
    std::fprintf(stderr, "mensa weights: invalid --set: %s\n",
                 weights.error().message.c_str());
    return 2;
  }
  internal::UpdateWeights request;
  for (auto& weight : *weights)
    *request.add_weight_infos() = weight;
  return ask_master("mensa weights", std::move(cfg), std::move(request));
}

int run_quota(int argc, char** argv) {
  auto cfg = std::make_unique<role_config>(
      "Usage: mensa quota --master=HOST:PORT --role=ROLE [--guarantee=R] "
      "[--limit=R]\n\n"
      "Sets a role's quota on a running master and prints the weights and quota\n"
      "in force. A guarantee (cpus:2;mem:2048) is offered to the role before\n"
      "other roles' fair shares; a limit is never exceeded by what the role and\n"
      "its subroles hold. Neither given: the role's quota is removed. Without\n"
      "--role, only prints what is in force.",
      true);
  if (auto code = cfg->parse_command_line("mensa quota", argc, argv); code >= 0)
    return code;
  if (cfg->role.empty())
    return ask_master("mensa quota", std::move(cfg), internal::GetRoles{});
  auto config = common::make_quota_config(cfg->role, cfg->guarantee, cfg->limit);
  if (!config) {
    std::fprintf(stderr, "mensa quota: %s\n", config.error().message.c_str());
    return 2;
  }
  if (auto valid = common::validate_quota(*config, {}); !valid) {
    std::fprintf(stderr, "mensa quota: %s\n", valid.error().message.c_str());
    return 2;
  }
  internal::UpdateQuota request;
  request.set_force(cfg->force);
  *request.add_quota_configs() = std::move(*config);
  return ask_master("mensa quota", std::move(cfg), std::move(request));
}

}  // namespace mensa::tools
