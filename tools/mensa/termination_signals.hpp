#pragma once

namespace mensa::tools {

/// Blocks SIGINT and SIGTERM in the calling thread and every thread it
/// starts afterwards; call it first in `main`, before any node exists.
void block_termination_signals();

/// Waits until SIGINT or SIGTERM arrives; returns the signal number.
int await_termination_signal();

}  // namespace mensa::tools
