// The port's bookkeeping of connections that have not identified
// themselves, on socket pairs: deadlines shut sockets down, identified ones
// are left alone, and a full house makes room by shutting down the
// connection waiting longest.

#include "runtime/port/unidentified_connections.hpp"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <vector>

using namespace std::chrono_literals;
using mensa::runtime::port::deadline_thread;
using mensa::runtime::port::unidentified_connections;

namespace {

// Both ends of a socket pair; `ours` plays the accepted connection.
struct socket_pair {
  int ours = -1;
  int theirs = -1;
  socket_pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    ours = fds[0];
    theirs = fds[1];
  }
  ~socket_pair() {
    ::close(ours);
    ::close(theirs);
  }

  // Waits (up to `timeout`) until the peer sees our end shut down.
  bool peer_sees_shutdown(std::chrono::milliseconds timeout) const {
    pollfd p{theirs, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
      return false;
    char c;
    return ::recv(theirs, &c, 1, MSG_DONTWAIT) == 0;
  }

  // Returns whether the peer already sees our end shut down.
  bool shut_down_now() const { return peer_sees_shutdown(0ms); }
};

constexpr auto generous = 30000ms;

}  // namespace

TEST_CASE(
    "a connection unidentified at its deadline is shut down, an identified one is "
    "not") {
  deadline_thread clock;
  std::atomic<int> deadlines{0};
  std::promise<void> reported;
  unidentified_connections watched(
      clock, 10, 50ms, [&](unidentified_connections::cause why) {
        if (why == unidentified_connections::cause::deadline && ++deadlines == 1)
          reported.set_value();
      });
  socket_pair identified;
  socket_pair silent;
  auto first = watched.admit(identified.ours);
  auto second = watched.admit(silent.ours);
  CHECK(watched.count() == 2);
  first.identified();
  CHECK_FALSE(first.pending());
  CHECK(watched.count() == 1);
  // The silent one's deadline comes after the identified one's would have.
  REQUIRE(silent.peer_sees_shutdown(generous));
  // The report follows the shutdown, on the deadline thread.
  REQUIRE(reported.get_future().wait_for(generous) == std::future_status::ready);
  CHECK(deadlines == 1);
  CHECK(watched.count() == 0);
  CHECK_FALSE(identified.shut_down_now());
}

TEST_CASE("a full house makes room by shutting down the connection waiting longest") {
  deadline_thread clock;
  std::atomic<int> evictions{0};
  unidentified_connections watched(
      clock, 2, 60s, [&](unidentified_connections::cause why) {
        if (why == unidentified_connections::cause::evicted)
          ++evictions;
      });
  socket_pair oldest, middle, newest;
  auto a = watched.admit(oldest.ours);
  auto b = watched.admit(middle.ours);
  CHECK_FALSE(oldest.shut_down_now());
  auto c = watched.admit(newest.ours);
  CHECK(oldest.shut_down_now());
  CHECK_FALSE(middle.shut_down_now());
  CHECK_FALSE(newest.shut_down_now());
  CHECK(evictions == 1);
  CHECK(watched.count() == 2);
  // The evicted ticket leaves without touching anyone else.
  a = {};
  CHECK(watched.count() == 2);
}

TEST_CASE("connections this node opened get a deadline but do not count") {
  deadline_thread clock;
  unidentified_connections watched(clock, 1, 50ms, {});
  socket_pair accepted, opened;
  auto in = watched.admit(accepted.ours);
  auto out = watched.watch(opened.ours);
  CHECK(watched.count() == 1);
  CHECK_FALSE(accepted.shut_down_now());
  REQUIRE(opened.peer_sees_shutdown(generous));
  REQUIRE(accepted.peer_sees_shutdown(generous));
}

TEST_CASE("a released ticket's deadline never fires, even at once after admission") {
  deadline_thread clock;
  std::atomic<int> shutdowns{0};
  unidentified_connections watched(
      clock, 100, 1ms, [&](unidentified_connections::cause) { ++shutdowns; });
  std::vector<socket_pair> pairs(50);
  for (auto& p : pairs) {
    auto t = watched.admit(p.ours);
    // Released right away: either before the deadline or after it fired.
  }
  socket_pair witness;
  auto last = watched.admit(witness.ours);
  REQUIRE(witness.peer_sees_shutdown(generous));
  int shut = 0;
  for (auto& p : pairs)
    shut += p.shut_down_now() ? 1 : 0;
  // Every shutdown that happened was counted, and none came after release.
  CHECK(shutdowns == shut + 1);
}

TEST_CASE("deadlines run in order, and a cancelled one never runs") {
  deadline_thread clock;
  std::vector<int> order;
  std::promise<void> done;
  clock.after(30ms, [&] { order.push_back(2); });
  auto cancelled = clock.after(10ms, [&] { order.push_back(99); });
  clock.after(1ms, [&] { order.push_back(1); });
  clock.after(60ms, [&] { done.set_value(); });
  CHECK(clock.cancel(cancelled));
  CHECK_FALSE(clock.cancel(cancelled));
  REQUIRE(done.get_future().wait_for(generous) == std::future_status::ready);
  CHECK(order == std::vector<int>{1, 2});
}
