#include "runtime/process_handle.hpp"

#include "caf/exit_reason.hpp"
#include "caf/send.hpp"

namespace mensa::runtime {

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
