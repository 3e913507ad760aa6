#include "tools/mensa/termination_signals.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

namespace mensa::tools {

namespace {

sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void block_termination_signals() {
  auto set = termination_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void request_termination() {
  kill(getpid(), SIGTERM);
}

int await_termination_signal() {
  auto set = termination_set();
  int received = 0;
  sigwait(&set, &received);
  return received;
}

}  // namespace mensa::tools
