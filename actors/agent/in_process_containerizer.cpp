#include "actors/agent/in_process_containerizer.hpp"

#include "caf/send.hpp"

namespace mensa::agent {

in_process_containerizer::in_process_containerizer(runtime::node& n,
                                                   executor_factory factory,
                                                   termination_callback on_termination)
    : node_(n),
      factory_(std::move(factory)),
      on_termination_(std::move(on_termination)) {}

runtime::expected<void> in_process_containerizer::launch(const container_spec& spec) {
  auto executor = factory_(node_, "executor-" + spec.container_id, spec);
  if (!executor)
    return executor.error();
  executors_[spec.container_id] = *executor;
  auto report = on_termination_;
  auto id = spec.container_id;
  (*executor)->attach_functor([report, id](const caf::error& reason) {
    container_termination ended;
    ended.container_id = id;
    ended.status = reason ? 1 : 0;
    ended.message = reason ? "the executor process ended abnormally"
                           : "the executor process exited";
    report(std::move(ended));
  });
  return {};
}

void in_process_containerizer::destroy(const std::string& container_id) {
  auto i = executors_.find(container_id);
  if (i == executors_.end())
    return;
  caf::anon_send_exit(i->second, caf::exit_reason::kill);
  executors_.erase(i);
}

}  // namespace mensa::agent
