#pragma once

#include <vector>

#include "caf/meta/type_name.hpp"
#include "runtime/envelope.hpp"

namespace mensa::runtime {

/// Envelopes from one process to one process on another node, sent as one
/// CAF message: what a process has queued for that peer by the end of a
/// burst of its mailbox. The receiver handles them in order, as if they had
/// come one by one. Batching saves the per-message cost of the connection
/// (one header, one wakeup of each side's network thread per batch).
struct envelope_batch {
  std::vector<envelope> envelopes;
};

/// Lets CAF serialize batches.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, envelope_batch& x) {
  return f(caf::meta::type_name("mensa.envelope_batch"), x.envelopes);
}

}  // namespace mensa::runtime
