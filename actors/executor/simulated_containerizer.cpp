#include "actors/executor/simulated_containerizer.hpp"

#include <memory>

#include "actors/agent/in_process_containerizer.hpp"
#include "actors/executor/simulated_executor.hpp"

namespace mensa::executor {

agent::containerizer_factory simulated_containerizer(runtime::node& n) {
  auto* node = &n;
  return [node](agent::containerizer::termination_callback done) {
    return std::make_unique<agent::in_process_containerizer>(
        *node,
        [](runtime::node& host, const std::string& name,
           const agent::container_spec& spec)
            -> runtime::expected<runtime::process_handle> {
          executor_context context{spec.agent, spec.framework.id(),
                                   spec.executor.executor_id()};
          auto spawned = host.spawn<simulated_executor>(name, context);
          if (!spawned)
            return spawned.error();
          return runtime::process_handle::find(host, name);
        },
        std::move(done));
  };
}

}  // namespace mensa::executor
