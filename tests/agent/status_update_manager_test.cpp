// The status update manager alone, with its environment faked: what it
// forwards and which timers it keeps, for the rules reliable updates rest
// on (order, one in flight, backoff, acknowledgements, flush, removal).

#include "actors/agent/status_update_manager.hpp"

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace mensa;
using namespace std::chrono_literals;
using agent::retry_backoff;
using agent::status_update_manager;

namespace {

// What the manager sees of its owner: a log of forwarded updates and a
// table of timers that the test fires by hand.
struct fake_owner {
  struct timer {
    caf::timespan after;
    std::function<void()> fn;
  };

  std::vector<std::shared_ptr<const internal::StatusUpdate>> forwarded;
  std::map<runtime::timer_id, timer> timers;
  runtime::timer_id next_timer = 1;
  std::vector<runtime::timer_id> cancelled;

  status_update_manager::environment environment() {
    return {[this](std::shared_ptr<const internal::StatusUpdate> u) {
              forwarded.push_back(std::move(u));
            },
            [this](caf::timespan d, std::function<void()> fn) {
              auto id = next_timer++;
              timers[id] = {d, std::move(fn)};
              return id;
            },
            [this](runtime::timer_id id) {
              cancelled.push_back(id);
              timers.erase(id);
            }};
  }

  // Fires the only pending timer; returns the delay it had.
  caf::timespan fire_only_timer() {
    REQUIRE(timers.size() == 1);
    auto [id, t] = *timers.begin();
    timers.erase(timers.begin());
    t.fn();
    return t.after;
  }

  // The uuids forwarded so far, in order.
  std::vector<std::string> forwarded_uuids() const {
    std::vector<std::string> result;
    for (auto& u : forwarded)
      result.push_back(u->uuid());
    return result;
  }
};

internal::StatusUpdate make_update(const std::string& framework,
                                   const std::string& task, const std::string& uuid,
                                   v1::TaskState state) {
  internal::StatusUpdate u;
  u.mutable_framework_id()->set_value(framework);
  u.mutable_status()->mutable_task_id()->set_value(task);
  u.mutable_status()->set_state(state);
  u.set_timestamp(0);
  u.set_uuid(uuid);
  return u;
}

struct manager_fixture {
  fake_owner owner;
  status_update_manager updates{owner.environment(), retry_backoff{10s, 40s}};
};

}  // namespace

TEST_CASE_FIXTURE(manager_fixture,
                  "updates of a task leave in order, one at a time, each after the "
                  "previous one's acknowledgement") {
  updates.update(make_update("f", "t", "u1", v1::TASK_STARTING));
  updates.update(make_update("f", "t", "u2", v1::TASK_RUNNING));
  updates.update(make_update("f", "t", "u3", v1::TASK_FINISHED));
  CHECK(owner.forwarded_uuids() == std::vector<std::string>{"u1"});
  CHECK(updates.acknowledge("f", "t", "u1") != nullptr);
  CHECK(owner.forwarded_uuids() == std::vector<std::string>{"u1", "u2"});
  CHECK(updates.acknowledge("f", "t", "u2") != nullptr);
  CHECK(updates.acknowledge("f", "t", "u3") != nullptr);
  CHECK(owner.forwarded_uuids() == std::vector<std::string>{"u1", "u2", "u3"});
  CHECK_FALSE(updates.pending("f", "t"));
  CHECK(updates.streams() == 0);
  CHECK(owner.timers.empty());
}

TEST_CASE_FIXTURE(manager_fixture, "tasks have streams of their own") {
  updates.update(make_update("f", "a", "a1", v1::TASK_RUNNING));
  updates.update(make_update("f", "b", "b1", v1::TASK_RUNNING));
  updates.update(make_update("g", "a", "ga1", v1::TASK_RUNNING));
  CHECK(owner.forwarded_uuids() == std::vector<std::string>{"a1", "b1", "ga1"});
  CHECK(updates.streams() == 3);
}

TEST_CASE_FIXTURE(manager_fixture,
                  "an unacknowledged head is resent with a backoff that doubles up to "
                  "its cap, and starts over for the next update") {
  updates.update(make_update("f", "t", "u1", v1::TASK_RUNNING));
  std::vector<caf::timespan> waits;
  for (int i = 0; i < 5; ++i)
    waits.push_back(owner.fire_only_timer());
  CHECK(waits == std::vector<caf::timespan>{10s, 20s, 40s, 40s, 40s});
  CHECK(owner.forwarded.size() == 6);
  for (auto& u : owner.forwarded)
    CHECK(u->uuid() == "u1");
  updates.update(make_update("f", "t", "u2", v1::TASK_FINISHED));
  CHECK(updates.acknowledge("f", "t", "u1") != nullptr);
  CHECK(owner.fire_only_timer() == 10s);
}

TEST_CASE_FIXTURE(manager_fixture,
                  "stale, duplicate and unknown acknowledgements change nothing") {
  updates.update(make_update("f", "t", "u1", v1::TASK_RUNNING));
  updates.update(make_update("f", "t", "u2", v1::TASK_FINISHED));
  // Not the head: the framework acknowledges u2 before it heard it.
  CHECK(updates.acknowledge("f", "t", "u2") == nullptr);
  CHECK(updates.acknowledge("f", "t", "nope") == nullptr);
  CHECK(updates.acknowledge("f", "other", "u1") == nullptr);
  CHECK(updates.acknowledge("g", "t", "u1") == nullptr);
  CHECK(owner.forwarded_uuids() == std::vector<std::string>{"u1"});
  CHECK(updates.acknowledge("f", "t", "u1") != nullptr);
  // A repeated acknowledgement of u1 is stale now.
  CHECK(updates.acknowledge("f", "t", "u1") == nullptr);
  CHECK(owner.forwarded_uuids() == std::vector<std::string>{"u1", "u2"});
  CHECK(updates.pending("f", "t"));
  CHECK(updates.latest("f", "t")->uuid() == "u2");
}

TEST_CASE_FIXTURE(manager_fixture, "an update queued twice is kept once") {
  updates.update(make_update("f", "t", "u1", v1::TASK_RUNNING));
  updates.update(make_update("f", "t", "u2", v1::TASK_FINISHED));
  updates.update(make_update("f", "t", "u2", v1::TASK_FINISHED));
  auto kept = updates.unacknowledged("f", "t");
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].uuid() == "u1");
  CHECK(kept[1].uuid() == "u2");
}

TEST_CASE_FIXTURE(manager_fixture,
                  "a flush resends the heads at once, of one framework or of all, with "
                  "the backoff started over") {
  updates.update(make_update("f", "t", "f1", v1::TASK_RUNNING));
  updates.update(make_update("g", "t", "g1", v1::TASK_RUNNING));
  // Let both back off once.
  {
    auto timers = owner.timers;
    owner.timers.clear();
    for (auto& [id, t] : timers)
      t.fn();
  }
  owner.forwarded.clear();
  updates.flush("f");
  CHECK(owner.forwarded_uuids() == std::vector<std::string>{"f1"});
  updates.flush();
  CHECK(owner.forwarded_uuids() == std::vector<std::string>{"f1", "f1", "g1"});
  // Each stream has one timer, at the initial backoff again.
  CHECK(owner.timers.size() == 2);
  for (auto& [id, t] : owner.timers)
    CHECK(t.after == 10s);
}

TEST_CASE_FIXTURE(manager_fixture,
                  "removing a framework drops its streams and cancels their timers") {
  updates.update(make_update("f", "a", "a1", v1::TASK_RUNNING));
  updates.update(make_update("f", "b", "b1", v1::TASK_RUNNING));
  updates.update(make_update("g", "a", "ga1", v1::TASK_RUNNING));
  REQUIRE(owner.timers.size() == 3);
  updates.remove_framework("f");
  CHECK(updates.streams() == 1);
  CHECK_FALSE(updates.pending("f", "a"));
  CHECK(updates.pending("g", "a"));
  CHECK(owner.timers.size() == 1);
  CHECK(owner.cancelled.size() == 2);
  // Nothing more is sent for it.
  owner.forwarded.clear();
  updates.flush();
  CHECK(owner.forwarded_uuids() == std::vector<std::string>{"ga1"});
}

TEST_CASE_FIXTURE(manager_fixture,
                  "the head carries the task's newest state, on a copy when a message "
                  "still holds it") {
  updates.update(make_update("f", "t", "u1", v1::TASK_RUNNING));
  auto sent = owner.forwarded.back();
  CHECK(sent->latest_state() == v1::TASK_RUNNING);
  updates.update(make_update("f", "t", "u2", v1::TASK_FINISHED));
  CHECK(sent->latest_state() == v1::TASK_RUNNING);
  // Resent, the head carries the newest state the agent knows.
  owner.fire_only_timer();
  CHECK(owner.forwarded.back()->latest_state() == v1::TASK_FINISHED);
  CHECK(owner.forwarded.back()->uuid() == "u1");
}
