#include "runtime/shared_answers.hpp"

#include <exception>
#include <string>
#include <utility>

#include "caf/blocking_actor.hpp"
#include "runtime/process.hpp"

namespace mensa::runtime {

shared_answers::shared_answers(caf::actor_system& system, weak_process owner)
    : system_(system), owner_(std::move(owner)) {}

void shared_answers::answer(const std::string& key, http::responder out,
                            std::function<rendering()> snapshot) {
  auto found = views_.find(key);
  if (found == views_.end() && in_flight_ >= max_in_flight) {
    // Each rendering holds a snapshot and a thread: a client asking for
    // ever new views waits its turn elsewhere.
    out.respond(http::response::error(
        503, "Too many different views are being rendered; try again"));
    return;
  }
  auto& v = views_[key];
  v.waiting.push_back(std::move(out));
  v.snapshot = std::move(snapshot);
  if (!v.busy)
    start(key, v);
}

void shared_answers::start(const std::string& key, view& v) {
  auto waiting = std::move(v.waiting);
  v.waiting.clear();
  rendering render;
  try {
    render = v.snapshot();
  } catch (const std::exception& e) {
    // Nothing is in flight: the next request starts afresh.
    for (auto& out : waiting)
      out.respond(http::response::error(
          500, std::string("cannot take a snapshot: ") + e.what()));
    views_.erase(key);
    return;
  }
  v.busy = true;
  ++in_flight_;
  // A blocking actor runs on a thread of its own, and the actor system
  // waits for it when it shuts down.
  system_.spawn([render = std::move(render), waiting = std::move(waiting),
                 owner = owner_, this, key](caf::blocking_actor*) {
    http::response answer;
    try {
      answer = render();
    } catch (const std::exception& e) {
      answer = http::response::error(500, std::string("cannot render: ") + e.what());
    }
    // A copy for each but the last, which takes the rendering itself.
    for (std::size_t k = 0; k + 1 < waiting.size(); ++k)
      waiting[k].respond(answer);
    if (!waiting.empty())
      waiting.back().respond(std::move(answer));
    owner.template dispatch<process>([this, key](process&) { finished(key); });
  });
}

void shared_answers::finished(const std::string& key) {
  --in_flight_;
  auto found = views_.find(key);
  if (found == views_.end())
    return;
  found->second.busy = false;
  if (found->second.waiting.empty())
    views_.erase(found);
  else
    start(key, found->second);
}

}  // namespace mensa::runtime
