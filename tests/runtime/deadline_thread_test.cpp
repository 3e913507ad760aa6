// The port's deadline thread: callbacks run once at their deadlines, in
// order; a cancelled one never runs, even the one the thread is waiting
// for (built with -Db_sanitize=address, the last case also catches the
// thread reading the deadline of an entry a cancel erased).

#include "runtime/port/deadline_thread.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <vector>

using namespace std::chrono_literals;
using mensa::runtime::port::deadline_thread;

namespace {

constexpr auto generous = 30s;

}  // namespace

TEST_CASE("deadlines run once each, the earliest first") {
  deadline_thread clock;
  std::mutex mutex;
  std::vector<int> order;
  std::promise<void> both;
  auto record = [&](int which) {
    std::lock_guard<std::mutex> guard(mutex);
    order.push_back(which);
    if (order.size() == 2)
      both.set_value();
  };
  clock.after(60ms, [&] { record(2); });
  clock.after(20ms, [&] { record(1); });
  REQUIRE(both.get_future().wait_for(generous) == std::future_status::ready);
  std::lock_guard<std::mutex> guard(mutex);
  CHECK(order == std::vector<int>{1, 2});
}

TEST_CASE("a cancelled deadline never runs, even the one the thread waits for") {
  deadline_thread clock;
  std::atomic<bool> cancelled_ran{false};
  // The thread now waits for this one, the earliest.
  auto far = clock.after(10s, [&] { cancelled_ran = true; });
  CHECK(clock.cancel(far));
  CHECK_FALSE(clock.cancel(far));
  // An earlier one wakes the thread, which must not look at the erased
  // entry again.
  std::promise<void> ran;
  clock.after(10ms, [&] { ran.set_value(); });
  REQUIRE(ran.get_future().wait_for(generous) == std::future_status::ready);
  CHECK_FALSE(cancelled_ran);
}

TEST_CASE("nothing runs once the thread stopped") {
  deadline_thread clock;
  std::atomic<bool> ran{false};
  clock.after(10s, [&] { ran = true; });
  clock.stop();
  clock.after(0ms, [&] { ran = true; });
  CHECK_FALSE(ran);
}
