#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "caf/actor_system.hpp"
#include "runtime/http/responder.hpp"
#include "runtime/http/response.hpp"
#include "runtime/weak_process.hpp"

namespace mensa::runtime {

/// Answers HTTP requests for views of a process's state that take long to
/// render (a big cluster's `/master/state`) without stalling the process:
/// the process takes a snapshot on its own thread (a copy, cheap beside
/// rendering), the rendering runs on a thread of its own, and requests for
/// the same view that arrive meanwhile share the next rendering, as Mesos
/// batches its state requests. Used by its owner's thread only.
class shared_answers {
 public:
  /// What a snapshot renders to; runs off the owner's thread, so it must
  /// own everything it reads.
  using rendering = std::function<http::response()>;

  /// Answers for the process `owner`, whose member this is, rendering on
  /// threads of `system`.
  shared_answers(caf::actor_system& system, weak_process owner);

  /// Answers `out` with the view `key` (requests with equal keys get
  /// equal answers): `snapshot()` runs on the owner's thread, now or when
  /// the rendering in flight for `key` is done, and returns the rendering.
  void answer(const std::string& key, http::responder out,
              std::function<rendering()> snapshot);

  /// How many different views may render at once; a request for yet
  /// another is answered 503. A rendering that fails is answered 500.
  static constexpr std::size_t max_in_flight = 4;

 private:
  struct view {
    std::vector<http::responder> waiting;
    std::function<rendering()> snapshot;
    bool busy = false;
  };

  void start(const std::string& key, view& v);
  void finished(const std::string& key);

  caf::actor_system& system_;
  weak_process owner_;
  std::map<std::string, view> views_;
  std::size_t in_flight_ = 0;
};

}  // namespace mensa::runtime
