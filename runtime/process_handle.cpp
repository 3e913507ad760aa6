#include "runtime/process_handle.hpp"

#include <future>
#include <memory>

#include "caf/exit_reason.hpp"
#include "caf/send.hpp"

namespace mensa::runtime {

bool process_handle::await_started(std::chrono::milliseconds timeout) const {
  if (!actor_)
    return false;
  auto started = std::make_shared<std::promise<void>>();
  auto done = started->get_future();
  dispatch<process>([started](process&) { started->set_value(); });
  return done.wait_for(timeout) == std::future_status::ready;
}

void process_handle::kill() const {
  if (actor_)
    caf::anon_send_exit(actor_, caf::exit_reason::kill);
}

void process_handle::when_ended(std::function<void(bool abnormally)> fn) const {
  if (!actor_)
    return fn(true);
  actor_->attach_functor([fn = std::move(fn)](const caf::error& reason) {
    fn(static_cast<bool>(reason));
  });
}

}  // namespace mensa::runtime
