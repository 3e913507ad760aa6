#include "runtime/testing/harness.hpp"

#include <algorithm>
#include <cstdlib>

#include "caf/detail/test_actor_clock.hpp"
#include "caf/scheduler/test_coordinator.hpp"

namespace mensa::runtime::testing {

namespace {

caf::scheduler::test_coordinator& scheduler_of(node& n) {
  return dynamic_cast<caf::scheduler::test_coordinator&>(n.system().scheduler());
}

}  // namespace

harness::harness(uint64_t seed)
    : seed_(seed),
      random_(seed),
      rules_(std::make_shared<delivery_rules>()),
      start_(caf::detail::test_actor_clock{}.current_time),
      now_(start_) {
  // nop
}

harness::~harness() {
  // End every link and process, then let them run to their end so no actor
  // of one node outlives the node or holds another node's actors.
  network_.shutdown();
  for (auto& n : nodes_)
    n->stop_processes();
  rules_->clear();
  try {
    settle();
  } catch (const harness_error&) {
    // Destruction goes on; the test has already failed.
  }
  while (!nodes_.empty())
    nodes_.pop_back();
}

node& harness::add_node(const std::string& ip, uint16_t port,
                        const std::function<void(node_config&)>& configure) {
  auto cfg = std::make_unique<node_config>();
  cfg->ip = ip;
  cfg->port = port;
  cfg->simulated = true;
  cfg->seed = seed_ ^ (nodes_.size() + 1) * 0x9e3779b97f4a7c15ULL;
  // Tests are quiet unless asked: MENSA_LOG_LEVEL=info (or debug).
  auto* level = std::getenv("MENSA_LOG_LEVEL");
  cfg->logging_level = level != nullptr ? level : "warning";
  if (configure)
    configure(*cfg);
  auto started = node::start(std::move(cfg),
                             [this](node& n) { return network_.make_transport(n); });
  if (!started)
    throw harness_error("cannot start node " + ip + ":" + std::to_string(port) + ": " +
                        started.error().message);
  auto& added = **started;
  added.set_filter(rules_);
  auto& clock = scheduler_of(added).clock();
  if (clock.current_time < now_)
    clock.advance_time(now_ - clock.current_time);
  nodes_.push_back(std::move(*started));
  return added;
}

bool harness::step() {
  std::size_t total = 0;
  for (auto& n : nodes_)
    total += scheduler_of(*n).jobs.size();
  if (total == 0)
    return false;
  auto pick = static_cast<std::size_t>(random_() % total);
  for (auto& n : nodes_) {
    auto& sched = scheduler_of(*n);
    if (pick >= sched.jobs.size()) {
      pick -= sched.jobs.size();
      continue;
    }
    auto chosen = sched.jobs.begin() + static_cast<std::ptrdiff_t>(pick);
    std::rotate(sched.jobs.begin(), chosen, chosen + 1);
    sched.run_once();
    ++steps_;
    if (after_delivery_)
      after_delivery_();
    return true;
  }
  return false;
}

std::size_t harness::settle(std::size_t limit) {
  std::size_t delivered = 0;
  while (step())
    if (++delivered >= limit) {
      // What goes round: the last messages that went through the network.
      std::string last;
      auto& seen = trace();
      for (auto i = seen.size() > 6 ? seen.size() - 6 : 0; i < seen.size(); ++i)
        last += "\n  " + seen[i].type + " " + seen[i].from.str() + " -> " +
                seen[i].to.str();
      throw harness_error("the cluster did not settle after " + std::to_string(limit) +
                          " deliveries (a message loop?), seed " +
                          std::to_string(seed_) + "; the last messages:" + last);
    }
  return delivered;
}

std::optional<caf::actor_clock::time_point> harness::next_timeout() const {
  std::optional<caf::actor_clock::time_point> earliest;
  for (auto& n : nodes_) {
    auto& schedule = scheduler_of(*n).clock().schedule();
    if (!schedule.empty() && (!earliest || schedule.begin()->first < *earliest))
      earliest = schedule.begin()->first;
  }
  return earliest;
}

void harness::set_time(caf::actor_clock::time_point t) {
  now_ = std::max(now_, t);
  // Advancing by zero still fires timers that are due.
  for (auto& n : nodes_) {
    auto& clock = scheduler_of(*n).clock();
    clock.advance_time(std::max(caf::timespan{0}, now_ - clock.current_time));
  }
}

void harness::advance(caf::timespan d) {
  auto target = now_ + d;
  settle();
  for (auto next = next_timeout(); next && *next <= target; next = next_timeout()) {
    set_time(*next);
    settle();
  }
  set_time(target);
  settle();
}

bool harness::run_until(const std::function<bool()>& done, caf::timespan limit) {
  auto deadline = now_ + limit;
  for (;;) {
    if (done())
      return true;
    while (step())
      if (done())
        return true;
    auto next = next_timeout();
    if (!next || *next > deadline) {
      set_time(deadline);
      settle();
      return done();
    }
    set_time(*next);
  }
}

}  // namespace mensa::runtime::testing
