#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/common/master_detector.hpp"
#include "actors/scheduler/scheduler_process.hpp"
#include "mensa/v1/scheduler.pb.h"
#include "runtime/expected.hpp"
#include "runtime/node.hpp"

namespace mensa::scheduler {

class scheduler_driver;

/// What a framework written without actors implements to hear from the
/// master through a `scheduler_driver` (Mesos's `Scheduler`). Callbacks run
/// one at a time on a thread of the driver's; they may call the driver,
/// including `stop` and `abort`, but must not destroy it.
class scheduler_callbacks {
 public:
  virtual ~scheduler_callbacks() = default;

  /// Subscribed (again) to the master.
  virtual void subscribed(scheduler_driver&, const v1::scheduler::Event::Subscribed&) {}

  /// New offers; answer each with `launch_tasks`/`accept` or `decline`.
  virtual void offers(scheduler_driver&, const std::vector<v1::Offer>&) {}

  /// An offer is no longer valid.
  virtual void rescind(scheduler_driver&, const v1::OfferID&) {}

  /// A task's status changed.
  virtual void update(scheduler_driver&, const v1::TaskStatus&) {}

  /// An agent or an executor was lost.
  virtual void failure(scheduler_driver&, const v1::scheduler::Event::Failure&) {}

  /// An executor sent data.
  virtual void message(scheduler_driver&, const v1::scheduler::Event::Message&) {}

  /// The master refused the framework; the driver has aborted.
  virtual void error(scheduler_driver&, const std::string&) {}

  /// The connection to the master was lost; resubscription is under way.
  virtual void disconnected(scheduler_driver&) {}
};

/// Where a driver is in its life.
enum class driver_status {
  not_started,
  running,
  /// Ended by `stop`.
  stopped,
  /// Ended by `abort` or an error from the master.
  aborted,
};

/// Returns "not_started", "running", "stopped" or "aborted".
const char* to_string(driver_status status);

/// How a driver runs.
struct driver_options {
  /// The scheduler's behaviour (acknowledgements, resubscription backoff).
  scheduler_options scheduler;
  /// The name of the scheduler process, unique on its node.
  std::string name = "scheduler";
  /// The driver's node (IP, port, TLS, ...); by default 127.0.0.1 on an
  /// ephemeral port. Set `ip` (or `advertise_ip`) to an address the master
  /// can reach when it runs on another host.
  std::unique_ptr<runtime::node_config> node;
  /// With a `zk://` master: how long the ZooKeeper session outlives a lost
  /// connection.
  std::chrono::milliseconds zk_session_timeout{10000};
};

/// A framework's connection to the master for code that is not an actor
/// (Mesos's `MesosSchedulerDriver`): `start` runs a node of its own with a
/// scheduler process that turns events into `callbacks`, `join` blocks
/// until `stop` or `abort`, `run` does both. The calls are safe from any
/// thread and return the driver's status: a call is sent only while
/// `running`.
///
///     my_callbacks callbacks;
///     scheduler_driver driver(callbacks, info, "127.0.0.1:5050");
///     auto status = driver.run();
class scheduler_driver {
 public:
  /// `master` is `HOST:PORT` or `master@HOST:PORT`, or
  /// `zk://HOST:PORT[,...]/PATH` to follow whichever master leads there.
  scheduler_driver(scheduler_callbacks& callbacks, v1::FrameworkInfo framework,
                   std::string master, driver_options options = {});

  /// Aborts if still running, then stops the node.
  ~scheduler_driver();

  scheduler_driver(const scheduler_driver&) = delete;
  scheduler_driver& operator=(const scheduler_driver&) = delete;

  /// Starts the node and subscribes. Fails with a readable message when the
  /// master address is malformed, the node cannot start or the driver was
  /// started before.
  runtime::expected<void> start();

  /// Ends the driver. Without `failover` the framework is torn down (its
  /// tasks are killed); with it the framework stays for a scheduler that
  /// subscribes again with the same ID within its failover timeout.
  driver_status stop(bool failover = false);

  /// Ends the driver without tearing the framework down.
  driver_status abort();

  /// Blocks until the driver is stopped or aborted; returns how it ended.
  driver_status join();

  /// `start`, then `join`.
  runtime::expected<driver_status> run();

  /// Returns the current status.
  driver_status status() const;

  /// Returns the framework's ID once the master assigned one.
  std::optional<v1::FrameworkID> framework_id() const;

  // -- calls (as scheduler_process's) -----------------------------------------

  driver_status accept(const std::vector<v1::OfferID>& offers,
                       const std::vector<v1::Offer::Operation>& operations,
                       const std::optional<v1::Filters>& filters = std::nullopt);
  driver_status launch_tasks(const v1::OfferID& offer,
                             const std::vector<v1::TaskInfo>& tasks,
                             const std::optional<v1::Filters>& filters = std::nullopt);
  driver_status launch_group(const v1::OfferID& offer, const v1::ExecutorInfo& executor,
                             const std::vector<v1::TaskInfo>& tasks,
                             const std::optional<v1::Filters>& filters = std::nullopt);
  driver_status decline(const std::vector<v1::OfferID>& offers,
                        const std::optional<v1::Filters>& filters = std::nullopt);
  driver_status revive(const std::vector<std::string>& roles = {});
  driver_status suppress(const std::vector<std::string>& roles = {});

  /// Changes the framework's info in place (Mesos's `updateFramework`; see
  /// `scheduler_process::update_framework`).
  driver_status update_framework(const v1::FrameworkInfo& info,
                                 const std::vector<std::string>& suppressed_roles = {});
  driver_status kill(const v1::TaskID& task,
                     const std::optional<v1::AgentID>& agent = std::nullopt);
  driver_status acknowledge(const v1::TaskStatus& status);
  driver_status reconcile(
      const std::vector<v1::scheduler::Call::Reconcile::Task>& tasks = {});
  driver_status send_message(const v1::AgentID& agent, const v1::ExecutorID& executor,
                             std::string data);

 private:
  class driver_process;
  friend class driver_process;

  // Runs `fn` inside the scheduler process if the driver is running.
  template <class F>
  driver_status call(F fn);

  // Moves to `to` (stopped or aborted) once; wakes `join`.
  bool end(driver_status to);

  scheduler_callbacks& callbacks_;
  v1::FrameworkInfo framework_;
  std::string master_;
  driver_options options_;
  std::unique_ptr<runtime::node> node_;
  runtime::process_handle process_;
  /// With a `zk://` master: what tells the scheduler which master leads.
  std::unique_ptr<common::master_detector> detector_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  driver_status status_ = driver_status::not_started;
  std::optional<v1::FrameworkID> framework_id_;
};

}  // namespace mensa::scheduler
