#include "actors/agent/in_process_containerizer.hpp"

namespace mensa::agent {

in_process_containerizer::in_process_containerizer(runtime::node& n,
                                                   executor_factory factory,
                                                   termination_callback on_termination)
    : node_(n),
      factory_(std::move(factory)),
      on_termination_(std::move(on_termination)) {}

runtime::expected<container_process> in_process_containerizer::launch(
    const container_spec& spec) {
  auto executor = factory_(node_, "executor-" + spec.container_id, spec);
  if (!executor)
    return executor.error();
  watch(spec.container_id, *executor, true);
  return container_process{};
}

runtime::expected<void> in_process_containerizer::recover(
    const std::string& container_id, const container_process&) {
  auto executor = runtime::process_handle::find(node_, "executor-" + container_id);
  if (!executor)
    return runtime::failure{"the executor of container " + container_id + " is gone"};
  watch(container_id, executor, false);
  return {};
}

void in_process_containerizer::watch(const std::string& container_id,
                                     const runtime::process_handle& executor,
                                     bool status_known) {
  executors_[container_id] = executor;
  auto report = on_termination_;
  executor.when_ended([report, container_id, status_known](bool abnormally) {
    container_termination ended;
    ended.container_id = container_id;
    ended.status = abnormally ? 1 : 0;
    ended.message = abnormally ? "the executor process ended abnormally"
                               : "the executor process exited";
    ended.status_known = status_known;
    report(std::move(ended));
  });
}

void in_process_containerizer::destroy(const std::string& container_id) {
  auto i = executors_.find(container_id);
  if (i == executors_.end())
    return;
  i->second.kill();
  executors_.erase(i);
}

}  // namespace mensa::agent
