#pragma once

namespace mensa::tools {

/// Blocks SIGINT and SIGTERM in the calling thread and every thread it
/// starts afterwards; call it first in `main`, before any node exists.
void block_termination_signals();

/// Waits until SIGINT or SIGTERM arrives; returns the signal number.
int await_termination_signal();

/// Ends `await_termination_signal` as a SIGTERM would, from any thread:
/// for a command whose node ends on its own.
void request_termination();

}  // namespace mensa::tools
