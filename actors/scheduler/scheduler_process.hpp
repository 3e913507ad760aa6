#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "mensa/v1/scheduler.pb.h"
#include "runtime/process.hpp"

namespace mensa::scheduler {

/// How a scheduler behaves.
struct scheduler_options {
  /// Acknowledge every update right after `update()` returns (the
  /// default, as Mesos's driver); otherwise call `acknowledge` yourself.
  bool implicit_acknowledgements = true;
  /// First wait between subscription attempts; doubles up to `max_backoff`.
  runtime::duration subscribe_backoff = std::chrono::seconds(1);
  /// Longest wait between subscription attempts.
  runtime::duration max_backoff = std::chrono::minutes(1);
};

/// Returns a LAUNCH_GROUP operation that runs `tasks` as one group on
/// `executor` (for `accept`, several groups in one ACCEPT).
v1::Offer::Operation make_launch_group(const v1::ExecutorInfo& executor,
                                       const std::vector<v1::TaskInfo>& tasks);

/// The base of a framework's scheduler, what framework authors derive from:
/// it subscribes to the master (and again, with backoff, when the master
/// is lost or another leads, see `follow_master`), turns events into callbacks, and
/// offers the scheduler calls as member functions. Callbacks run in the scheduler's own
/// context.
class scheduler_process : public runtime::process {
 public:
  scheduler_process(runtime::process_config& cfg, runtime::node& owner, address self,
                    address master, v1::FrameworkInfo framework,
                    scheduler_options options = {});

  /// Returns the framework's ID once the master assigned one.
  const std::optional<v1::FrameworkID>& framework_id() const noexcept {
    return framework_id_;
  }

  /// Returns whether the scheduler is subscribed now.
  bool is_subscribed() const noexcept { return subscribed_; }

  /// Subscribes to `master` from now on (the empty address: none leads,
  /// wait); what a `common::master_detector` tells the scheduler. Events
  /// from the master it followed before are ignored.
  void follow_master(const address& master);

 protected:
  void on_start() final;
  void exited(const address& peer, const runtime::peer_exit& why) override;

  // -- callbacks --------------------------------------------------------------

  /// Subscribed (again); `framework_id()` is set.
  virtual void subscribed(const v1::scheduler::Event::Subscribed&) {}

  /// New offers; answer each with `accept`/`launch` or `decline`.
  virtual void offers(const std::vector<v1::Offer>&) {}

  /// An offer is no longer valid.
  virtual void rescind(const v1::OfferID&) {}

  /// A task's status changed.
  virtual void update(const v1::TaskStatus&) {}

  /// An agent or an executor was lost.
  virtual void failure(const v1::scheduler::Event::Failure&) {}

  /// An executor sent data.
  virtual void message(const v1::scheduler::Event::Message&) {}

  /// The master refused something it cannot go on from (a bad
  /// subscription, the framework torn down). Subscription attempts stop.
  virtual void error(const std::string& message);

  /// The connection to the master was lost; resubscription is under way.
  virtual void disconnected() {}

  // -- calls ------------------------------------------------------------------

  /// Performs `operations` on the offers; unused resources go back with
  /// `filters` (5 s by default).
  void accept(const std::vector<v1::OfferID>& offers,
              const std::vector<v1::Offer::Operation>& operations,
              const std::optional<v1::Filters>& filters = std::nullopt);

  /// Launches `tasks` on one offer (an ACCEPT with one LAUNCH).
  void launch_tasks(const v1::OfferID& offer, const std::vector<v1::TaskInfo>& tasks,
                    const std::optional<v1::Filters>& filters = std::nullopt);

  /// Launches `tasks` as one group on `executor` (type DEFAULT: mensa's
  /// default executor, which runs each task's command in its own sandbox
  /// and kills the group when one of them fails). Later groups for the same
  /// executor ID on that agent reuse the running executor: its resources
  /// are taken once, and offers list it in `executor_ids`.
  void launch_group(const v1::OfferID& offer, const v1::ExecutorInfo& executor,
                    const std::vector<v1::TaskInfo>& tasks,
                    const std::optional<v1::Filters>& filters = std::nullopt);

  /// Declines offers; they are not offered again for `refuse_seconds`.
  void decline(const std::vector<v1::OfferID>& offers,
               const std::optional<v1::Filters>& filters = std::nullopt);

  /// Clears filters and resumes offers (for all roles if empty).
  void revive(const std::vector<std::string>& roles = {});

  /// Stops offers (for all roles if empty) until a revive.
  void suppress(const std::vector<std::string>& roles = {});

  /// Changes the framework's info in place (UPDATE_FRAMEWORK: name, roles,
  /// capabilities, failover timeout, ...; not its ID, user, principal or
  /// checkpoint) and the roles it is suppressed in; later subscriptions
  /// carry it. A refusal comes back as `error`.
  void update_framework(const v1::FrameworkInfo& info,
                        const std::vector<std::string>& suppressed_roles = {});

  /// Kills a task.
  void kill(const v1::TaskID& task,
            const std::optional<v1::AgentID>& agent = std::nullopt,
            const std::optional<v1::KillPolicy>& policy = std::nullopt);

  /// Acknowledges an update (needed only without implicit acknowledgements).
  void acknowledge(const v1::TaskStatus& status);

  /// Asks for the latest state of the tasks (of all, if empty).
  void reconcile(const std::vector<v1::scheduler::Call::Reconcile::Task>& tasks = {});

  /// Sends data to an executor.
  void send_message(const v1::AgentID& agent, const v1::ExecutorID& executor,
                    std::string data);

  /// Shuts an executor down.
  void shutdown_executor(const v1::AgentID& agent, const v1::ExecutorID& executor);

  /// Ends the framework: the master kills its tasks and forgets it. Calls
  /// after this one are not sent.
  void teardown();

  /// Returns the framework's description.
  const v1::FrameworkInfo& framework_info() const noexcept { return framework_; }

  /// Returns the master's address.
  const address& master() const noexcept { return master_; }

 private:
  void on_event(const address& from, const v1::scheduler::Event& event);
  void subscribe();
  /// Subscribes again after `wait`, unless subscribed by then.
  void subscribe_after(runtime::duration wait);
  void call(v1::scheduler::Call call);

  address master_;
  v1::FrameworkInfo framework_;
  scheduler_options options_;
  std::optional<v1::FrameworkID> framework_id_;
  bool subscribed_ = false;
  bool subscribing_ = false;
  bool aborted_ = false;
  bool torn_down_ = false;
  runtime::duration backoff_;
  runtime::timer subscribe_timer_;
};

}  // namespace mensa::scheduler
