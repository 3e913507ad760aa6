#pragma once

#include <functional>
#include <string>

#include "tests/cluster/cluster_fixture.hpp"

namespace mensa::test {

/// One agent (cpus:4;mem:4096, `agent` may adjust its options) and
/// framework "alpha" that launched task "t1" running `command` ("run": until
/// killed) on its first offer.
struct running_task {
  explicit running_task(v1::FrameworkInfo info = make_framework("alpha"),
                        const std::function<void(agent::agent_options&)>& agent = {},
                        std::string command = "run")
      : c(9) {
    c.add_agent("cpus:4;mem:4096", agent);
    c.add_framework("alpha", &log, std::move(info));
    REQUIRE(c.h.run_until([&] { return !log.offers().empty(); }));
    c.on_framework("alpha", [command](test_scheduler& s) {
      auto o = s.take_offer();
      s.launch_tasks(o.id(), {make_task("t1", o, "cpus:1;mem:64", command)});
    });
  }

  /// Has the framework kill t1.
  void kill() {
    c.on_framework("alpha", [](test_scheduler& s) {
      v1::TaskID id;
      id.set_value("t1");
      s.kill(id);
    });
  }

  /// Runs until t1's last state is `state`; false if it never gets there.
  bool reaches(v1::TaskState state) {
    return c.h.run_until([&] {
      auto states = log.states_of("t1");
      return !states.empty() && states.back() == state;
    });
  }

  test_scheduler::journal log;
  test_cluster c;
};

}  // namespace mensa::test
