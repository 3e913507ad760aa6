// The blocking scheduler driver against a real cluster (`mensa master` and
// two `mensa agent` processes): code that is not an actor runs tasks, stops,
// aborts and fails over.

#include "actors/scheduler/scheduler_driver.hpp"

#include <doctest/doctest.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "actors/common/resources.hpp"
#include "actors/common/task_states.hpp"
#include "tests/cluster/cluster_fixture.hpp"
#include "tests/cluster/process_cluster.hpp"

using namespace mensa;
using scheduler::driver_status;
using scheduler::scheduler_driver;

namespace {

// Launches the commands given, one task each, on the first offers that fit;
// records what it hears; stops the driver once every task has ended when
// `stop_when_done`.
class recording_callbacks : public scheduler::scheduler_callbacks {
 public:
  explicit recording_callbacks(std::map<std::string, std::string> commands = {},
                               bool stop_when_done = true)
      : commands_(std::move(commands)), stop_when_done_(stop_when_done) {
    for (auto& [id, command] : commands_)
      states_[id] = v1::TASK_STAGING;
  }

  void subscribed(scheduler_driver&, const v1::scheduler::Event::Subscribed&) override {
    change([&] { ++subscriptions_; });
  }

  void offers(scheduler_driver& driver, const std::vector<v1::Offer>& offers) override {
    for (auto& offer : offers) {
      std::vector<v1::TaskInfo> tasks;
      auto left = common::resources(offer.resources()).unallocated();
      while (!commands_.empty() && left.scalar("cpus") >= 0.5) {
        auto [id, command] = *commands_.begin();
        commands_.erase(commands_.begin());
        tasks.push_back(test::make_task(id, offer, "cpus:0.5;mem:32", command));
        left -= *common::resources::parse("cpus:0.5;mem:32");
      }
      if (tasks.empty())
        driver.decline({offer.id()});
      else
        driver.launch_tasks(offer.id(), tasks);
    }
  }

  void update(scheduler_driver& driver, const v1::TaskStatus& status) override {
    change([&] { states_[status.task_id().value()] = status.state(); });
    if (stop_when_done_ && all_ended())
      driver.stop();
  }

  void error(scheduler_driver&, const std::string& message) override {
    change([&] { errors_.push_back(message); });
  }

  v1::TaskState state_of(const std::string& task) {
    std::lock_guard<std::mutex> guard(mutex_);
    auto i = states_.find(task);
    return i == states_.end() ? v1::TaskState{} : i->second;
  }

  std::vector<std::string> errors() {
    std::lock_guard<std::mutex> guard(mutex_);
    return errors_;
  }

  // Waits until subscribed.
  bool wait_subscribed() {
    std::unique_lock<std::mutex> guard(mutex_);
    return changed_.wait_for(guard, test::generous, [&] { return subscriptions_ > 0; });
  }

  // Waits until `task` is in `state`.
  bool reaches(const std::string& task, v1::TaskState state) {
    std::unique_lock<std::mutex> guard(mutex_);
    return changed_.wait_for(guard, test::generous, [&] {
      auto i = states_.find(task);
      return i != states_.end() && i->second == state;
    });
  }

 private:
  template <class F>
  void change(F fn) {
    std::lock_guard<std::mutex> guard(mutex_);
    fn();
    changed_.notify_all();
  }

  bool all_ended() {
    std::lock_guard<std::mutex> guard(mutex_);
    for (auto& [id, state] : states_)
      if (!common::is_terminal(state))
        return false;
    return true;
  }

  std::map<std::string, std::string> commands_;  // Touched by callbacks only.
  bool stop_when_done_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, v1::TaskState> states_;
  std::vector<std::string> errors_;
  int subscriptions_ = 0;
};

}  // namespace

TEST_CASE("run() blocks until a callback stops the driver") {
  test::process_cluster c;
  recording_callbacks callbacks({{"ok", "true"}, {"broken", "exit 3"}});
  scheduler_driver driver(callbacks, test::make_framework("driven"),
                          std::string(c.master_address.endpoint()));
  auto ended = driver.run();
  REQUIRE_MESSAGE(ended, (ended ? "" : ended.error().message));
  CHECK(*ended == driver_status::stopped);
  CHECK(callbacks.state_of("ok") == v1::TASK_FINISHED);
  CHECK(callbacks.state_of("broken") == v1::TASK_FAILED);
  REQUIRE(driver.framework_id());
  // Calls after the end are not sent and say why.
  CHECK(driver.revive() == driver_status::stopped);
  CHECK(driver.abort() == driver_status::stopped);

  // stop() without failover tore the framework down: its ID is refused.
  recording_callbacks late;
  auto info = test::make_framework("driven");
  *info.mutable_id() = *driver.framework_id();
  scheduler_driver again(late, info, std::string(c.master_address.endpoint()));
  auto refused = again.run();
  REQUIRE(refused);
  CHECK(*refused == driver_status::aborted);
  REQUIRE(late.errors().size() == 1);
  CHECK(late.errors().front().find("torn down") != std::string::npos);
}

TEST_CASE("abort() keeps the framework: a new driver with its ID fails over") {
  test::process_cluster c;
  recording_callbacks first({{"long", "sleep 1000"}}, false);
  auto info = test::make_framework("failing-over");
  info.set_failover_timeout(60);
  scheduler_driver driver(first, info, std::string(c.master_address.endpoint()));
  REQUIRE(driver.start());
  REQUIRE(first.reaches("long", v1::TASK_RUNNING));
  CHECK(driver.abort() == driver_status::aborted);
  CHECK(driver.join() == driver_status::aborted);

  recording_callbacks second({}, false);
  *info.mutable_id() = *driver.framework_id();
  scheduler_driver successor(second, info, std::string(c.master_address.endpoint()));
  REQUIRE(successor.start());
  // Reconciliation tells the new scheduler about the task it inherited.
  v1::scheduler::Call::Reconcile::Task task;
  task.mutable_task_id()->set_value("long");
  REQUIRE(second.wait_subscribed());
  CHECK(successor.reconcile({task}) == driver_status::running);
  REQUIRE(second.reaches("long", v1::TASK_RUNNING));
  CHECK(successor.framework_id()->value() == driver.framework_id()->value());
  CHECK(successor.stop() == driver_status::stopped);
  CHECK(successor.join() == driver_status::stopped);
}

TEST_CASE("start() refuses a malformed master and a second start") {
  recording_callbacks callbacks;
  scheduler_driver bad(callbacks, test::make_framework("bad"), "localhost");
  auto started = bad.start();
  REQUIRE_FALSE(started);
  CHECK(started.error().message.find("'localhost'") != std::string::npos);
  CHECK(bad.status() == driver_status::not_started);

  // An address nobody listens on is fine to start with: the driver keeps
  // trying to subscribe until stopped.
  scheduler_driver twice(callbacks, test::make_framework("twice"), "127.0.0.1:1");
  REQUIRE(twice.start());
  auto again = twice.start();
  REQUIRE_FALSE(again);
  CHECK(again.error().message.find("running") != std::string::npos);
  CHECK(twice.stop() == driver_status::stopped);
}
