#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/common/resources.hpp"
#include "actors/master/agent_record.hpp"
#include "actors/master/framework_record.hpp"
#include "actors/master/master_options.hpp"
#include "actors/master/agent_table.hpp"
#include "actors/master/offer_book.hpp"
#include "actors/master/registry.hpp"
#include "actors/master/registry_writer.hpp"
#include "actors/master/state_snapshot.hpp"
#include "actors/master/v0_views.hpp"
#include "actors/common/quota_config.hpp"
#include "mensa/internal/allocator.pb.h"
#include "mensa/internal/operator.pb.h"
#include "mensa/internal/cluster.pb.h"
#include "mensa/v1/master.pb.h"
#include "mensa/v1/scheduler.pb.h"
#include "runtime/http/media_types.hpp"
#include "runtime/metrics.hpp"
#include "runtime/process.hpp"
#include "runtime/node.hpp"
#include "runtime/shared_answers.hpp"

namespace mensa::master {

struct launch_batch;

/// The master: admits agents, subscribes frameworks, turns the allocator's
/// decisions into offers, validates what frameworks do with them, launches
/// tasks on agents and carries status updates and acknowledgements between
/// agents and frameworks.
///
/// Frameworks talk to it with v1 scheduler `Call`s and hear back `Event`s,
/// whether their scheduler is an actor or, later, an HTTP client. The
/// implementation is split by concern: master_process.cpp (the handler
/// table, calls, events), frameworks.cpp, agents.cpp, registry_gc.cpp,
/// offers.cpp, accept.cpp, tasks.cpp and roles.cpp. What it keeps lives in
/// plain tables it owns: `agent_table` (its agents), `offer_book` (the
/// outstanding offers) and `registry_writer` (the registry and its group
/// commit).
class master_process : public runtime::process {
 public:
  /// A master whose registry (what survives it) is `kept`: in memory by
  /// default; `registry::recover` gives a file-backed one.
  master_process(runtime::process_config& cfg, runtime::node& owner, address self,
                 address allocator, master_options options = {}, registry kept = {});

  /// Returns the registry.
  const registry& kept() const noexcept { return writer_.kept(); }

  /// Returns the master's ID (a UUID; prefix of every ID it assigns).
  const std::string& id() const noexcept { return id_; }

  /// Returns the subscribed frameworks (active or disconnected), by ID.
  const std::map<std::string, framework_record>& frameworks() const noexcept {
    return frameworks_;
  }

  /// Returns frameworks that were torn down, most recent last (bounded).
  const std::deque<framework_record>& completed_frameworks() const noexcept {
    return completed_frameworks_;
  }

  /// Returns the admitted agents, by ID.
  const std::map<std::string, agent_record>& agents() const noexcept {
    return agents_.all();
  }

  /// Returns the outstanding offers, by ID.
  const std::map<std::string, offer_record>& offers() const noexcept {
    return offers_.all();
  }

 protected:
  void on_start() override;
  void on_stop() override;
  void exited(const address& peer, const runtime::peer_exit& why) override;

 private:
  // -- calls and events (master_process.cpp) ----------------------------------
  void on_call(const address& from, const v1::scheduler::Call& call);
  framework_record* caller(const address& from, const v1::scheduler::Call& call);
  void send_event(const framework_record& framework, v1::scheduler::Event event);
  void send_error(const address& to, const std::string& message);
  std::string next_id(const char* kind, uint64_t& counter);
  /// Returns the wall clock's time in nanoseconds since the epoch.
  int64_t now_nanoseconds() const;
  v1::MasterInfo master_info() const;

  // -- frameworks (frameworks.cpp) --------------------------------------------
  /// Returns what is wrong with `info` for a subscription, or empty.
  static std::string validate_framework(const v1::FrameworkInfo& info);
  /// SUBSCRIBE: validates the framework, finds or makes its record, makes
  /// `from` its scheduler, answers SUBSCRIBED and tells the allocator.
  void subscribe(const address& from, const v1::scheduler::Call::Subscribe& subscribe);
  /// Returns the record `info` subscribes to: its own (setting
  /// `resubscribing`), a new one under the ID it brings (a framework this
  /// master has not seen since it failed over) or a new one under a new ID
  /// written into `info`; null, after telling `from`, for a framework torn
  /// down.
  framework_record* record_to_subscribe(const address& from, v1::FrameworkInfo& info,
                                        bool& resubscribing);
  /// Makes `from` the framework's scheduler; an active scheduler it
  /// replaces hears it failed over.
  void take_over_scheduler(framework_record& framework, const address& from);
  /// Tells the agents and the allocator that a known framework is back
  /// (and may have changed its info).
  void announce_resubscribed(const v1::FrameworkInfo& info,
                             const v1::scheduler::Call::Subscribe& call);
  /// Tells the agents and the allocator a framework's info now in force.
  void announce_framework_info(
      const v1::FrameworkInfo& info,
      const google::protobuf::RepeatedPtrField<std::string>& suppressed_roles);
  /// UPDATE_FRAMEWORK: makes `call.framework_info` the framework's info
  /// (its ID, user, principal and checkpoint may not change) and sets the
  /// roles it is suppressed in. Returns what is wrong, the framework left
  /// as it was, or empty.
  std::string update_framework(framework_record& framework,
                               const v1::scheduler::Call::UpdateFramework& call);
  /// Adds a new framework to the allocator with the tasks it already has.
  void add_to_allocator(const framework_record& framework,
                        const v1::scheduler::Call::Subscribe& call);
  void teardown(const std::string& framework_id, const std::string& why);
  void disconnect(framework_record& framework);
  /// Returns whether framework `framework_id` was torn down (and is still
  /// in the bounded history).
  bool torn_down(const std::string& framework_id) const;
  void rescind_offers(framework_record& framework);
  /// The one place a framework's state changes after its record was made.
  bool move(framework_record& framework, framework_state to);

  // -- the scheduler HTTP API (scheduler_api.cpp) ------------------------------
  /// POST /api/v1/scheduler: checks the request as Mesos does (method,
  /// content type, body, call, Accept, framework, stream), then hands the
  /// call to `on_call` as coming from the framework's scheduler stream; a
  /// SUBSCRIBE makes that stream first (`scheduler_stream`).
  void on_scheduler_api(const runtime::http::request& request,
                        const runtime::http::responder& out);
  /// Subscribes over HTTP: a new stream process becomes the scheduler.
  void subscribe_over_http(const runtime::http::request& request,
                           const runtime::http::responder& out,
                           runtime::http::encoding encoding,
                           const v1::scheduler::Call& call);

  // -- the operator HTTP API (operator_api.cpp) -------------------------------
  /// POST /api/v1: checks the call as Mesos does and answers it from the
  /// master's tables (GET_*), or changes weights, quota or frameworks
  /// through the same code as the actor API.
  void on_operator_api(const runtime::http::request& request,
                       const runtime::http::responder& out);

  // -- the operator API's event stream (operator_events.cpp) ------------------
  /// SUBSCRIBE: opens an `operator_stream` that hears SUBSCRIBED (the whole
  /// state) and then every event `publish` sends; beyond
  /// `max_operator_event_stream_subscribers` the oldest stream is closed.
  void subscribe_operator(const runtime::http::responder& out,
                          runtime::http::encoding encoding);
  /// Forgets an operator stream that ended; returns whether `peer` was one.
  bool forget_operator_stream(const address& peer);
  /// Returns whether any operator stream listens: events are built only
  /// then, so a master without subscribers pays nothing for them.
  bool operator_listening() const noexcept { return !operator_streams_.empty(); }
  /// Sends `event` to every operator stream.
  void publish(const v1::master::Event& event);
  void publish_task_added(const framework_record& framework, const std::string& task_id,
                          const task_record& task);
  /// A task's status changed: `status` is its latest, `state` the state it
  /// is in now.
  void publish_task_updated(const framework_record& framework,
                            const v1::TaskStatus& status, v1::TaskState state);
  /// FRAMEWORK_ADDED or FRAMEWORK_UPDATED.
  void publish_framework(v1::master::Event::Type type,
                         const framework_record& framework);
  void publish_framework_removed(const framework_record& framework);
  void publish_agent_added(const agent_record& agent);
  void publish_agent_removed(const std::string& agent_id);

  // -- the state as the operator API describes it (cluster_state.cpp) ---------
  using resources_by_agent = std::map<std::string, common::resources>;
  /// Returns what tasks and executors hold on each agent.
  resources_by_agent allocated_by_agent() const;
  v1::Offer describe_offer(const std::string& offer_id,
                           const offer_record& offer) const;
  /// Returns what tasks and executors hold on `agent`.
  common::resources allocated_on(const agent_record& agent) const;
  /// Describes a connected agent, which holds `allocated`.
  v1::master::Response::GetAgents::Agent describe_agent(
      const agent_record& agent, const common::resources& allocated) const;
  v1::master::Response::GetAgents describe_agents() const;
  v1::master::Response::GetFrameworks::Framework describe_framework(
      const framework_record& framework) const;
  v1::master::Response::GetFrameworks describe_frameworks() const;
  v1::master::Response::GetExecutors describe_executors() const;
  v1::master::Response::GetTasks describe_tasks() const;
  /// Copies the task records, to describe them elsewhere (off the
  /// master's thread), later.
  state_snapshot snapshot_tasks() const;
  /// Copies the state: the task records and the rest described.
  state_snapshot snapshot_state() const;
  /// Writes GET_STATE's executors, frameworks and agents into `out`.
  void describe_all_but_tasks(v1::master::Response::GetState& out) const;
  v1::master::Response::GetRoles describe_roles() const;
  /// GET_STATE: tasks, executors, frameworks and agents.
  v1::master::Response::GetState describe_state() const;

  // -- metrics under Mesos's names (master_metrics.cpp) -----------------------
  /// Has the node's snapshots ask this master for its gauges (`metrics`).
  void collect_metrics_on_request();
  /// Returns the master's gauges, computed from its tables now.
  runtime::metrics_registry::collection metrics() const;
  /// Counts a task that ended in `state` (`master/tasks_finished`, ...).
  void count_ended(v1::TaskState state);

  // -- read endpoints (state_endpoints.cpp) -----------------------------------
  /// GET /master/health: 200 while the master handles requests.
  void on_health(const runtime::http::request& request,
                 const runtime::http::responder& out);
  /// GET /master/redirect: 307 to this master, the leader.
  void on_redirect(const runtime::http::request& request,
                   const runtime::http::responder& out);
  /// GET /master/state, state-summary, frameworks, slaves, tasks, roles and
  /// flags (each also as `.json`, and without `/master`), as Mesos renders
  /// them, `?jsonp=` honoured: rendered off the master's thread from a
  /// snapshot, equal requests sharing one rendering.
  void on_state_view(const runtime::http::request& request,
                     const runtime::http::responder& out);
  /// Takes the snapshot the view at `path` renders, on the master's thread.
  runtime::shared_answers::rendering snapshot_view(
      const runtime::http::request& request);
  /// Returns what /master/state says about this master.
  v0::master_summary summary() const;

  // -- agents (agents.cpp) ----------------------------------------------------
  void on_register_agent(const address& from, const internal::RegisterAgent& msg);
  void on_reregister_agent(const address& from, const internal::ReregisterAgent& msg);
  void on_pong(const address& from, const internal::PongAgent& msg);
  void admit(const address& from, const v1::AgentInfo& info);
  /// Keeps `op` in the registry (`deferred`: flushed by the group commit);
  /// logs and returns false if it cannot.
  [[nodiscard]] bool persist(const internal::RegistryOperation& op,
                             const std::string& what, bool deferred = false);
  /// Sends `reply` to `to` once the registry's operations are on disk.
  template <class M>
  void reply_when_durable(const address& to, M reply) {
    writer_.when_durable(
        [this, to, reply = std::move(reply)]() mutable { send(to, std::move(reply)); });
  }
  /// Takes back what the registry kept, after a restart.
  void recover_registry();
  void expire_recovering_agents();
  /// Records a framework known only from an agent's tasks.
  framework_record& recover_framework(const v1::FrameworkInfo& info);
  void ping_agents();
  void mark_unreachable(const std::string& agent_id, const std::string& why);
  /// The agent's connection broke: what only it can keep running (tasks of
  /// frameworks that checkpoint) waits for it; the rest is lost.
  void disconnect_agent(const std::string& agent_id, const std::string& why);
  /// Records the executors a reregistering agent reports as its frameworks'
  /// again, and adds what they use to `add` for the allocator.
  /// Gives a record to each framework the reregistering agent names that
  /// this master has not seen since it started, and shuts down on the agent
  /// those that were torn down while it was away.
  void recover_reported_frameworks(const address& from,
                                   const internal::ReregisterAgent& msg);
  void take_back_executors(const agent_record& agent,
                           const internal::ReregisterAgent& msg,
                           internal::AllocatorAddAgent& add);
  /// Takes back the tasks a reregistering agent reports: ended ones end
  /// here, live ones become the master's again with their resources counted
  /// in `add`, and those the master no longer has are dropped. Returns the
  /// kills the agent is sent once its reregistration is durable.
  std::vector<internal::KillTask> take_back_tasks(agent_record& agent,
                                                  const internal::ReregisterAgent& msg,
                                                  bool was_unreachable,
                                                  internal::AllocatorAddAgent& add);
  /// Takes back one live task the agent reports; adds a kill for it when
  /// its framework heard TASK_LOST (and may run another copy).
  void take_back_live_task(framework_record& framework, agent_record& agent,
                           const v1::Task& task, bool was_unreachable,
                           internal::AllocatorAddAgent& add,
                           std::vector<internal::KillTask>& kills);
  void end_reported_task(framework_record& framework, agent_record& agent,
                         const v1::Task& task);
  bool ended_here(const framework_record& framework, const v1::Task& task) const;
  /// Reports the tasks the master has on `agent` that the agent did not
  /// report when it reregistered (`reported`: framework ID, task ID).
  void drop_unreported_tasks(
      agent_record& agent,
      const std::set<std::pair<std::string, std::string>>& reported);
  void remove_silent_agent(const std::string& agent_id, const std::string& why);
  /// Forgets the executors on a lost agent (its tasks are dealt with
  /// already) and, if `in_allocator`, takes the agent out of the allocator.
  void release_agent(const std::string& agent_id, bool in_allocator);
  /// Unlinks the agent's process and rescinds its offers.
  void forget_connection(agent_record& agent);
  /// The one place an agent's state changes after its record was made:
  /// moves it to `to` if `agent_may_move` allows; logs and refuses otherwise.
  bool move(agent_record& agent, agent_state to);
  agent_record* agent_at(const address& process);
  /// Returns the agent `agent_id` if it is registered (connected), else null.
  agent_record* registered_agent(const std::string& agent_id);

  // -- agents marked gone (gone_agents.cpp) -----------------------------------
  /// The answer to MARK_AGENT_GONE.
  enum class gone_marking { marked, already_gone, unknown, not_kept };
  /// MARK_AGENT_GONE: keeps in the registry that the agent is gone for
  /// good, shuts it down if connected, reports its tasks gone
  /// (TASK_GONE_BY_OPERATOR, TASK_LOST to frameworks not partition-aware)
  /// and forgets it; it is never admitted again.
  gone_marking mark_agent_gone(const std::string& agent_id);

  // -- registry garbage collection (registry_gc.cpp) --------------------------
  /// Forgets the agents unreachable for longer than
  /// `registry_max_agent_age`, and the longest unreachable beyond
  /// `registry_max_agent_count`; runs every `registry_gc_interval`.
  void collect_unreachable_agents();

  // -- offers (offers.cpp) ----------------------------------------------------
  void on_allocator_offers(const address& from, const internal::AllocatorOffers& msg);
  void decline(framework_record& framework, const v1::scheduler::Call::Decline& call);
  /// Takes the offer back and tells its framework; returns it (nothing if
  /// it was gone). Its resources are the caller's to recover.
  std::optional<offer_record> rescind(const std::string& offer_id);
  void recover(const std::string& framework_id, const std::string& agent_id,
               const common::resources& resources,
               const std::optional<v1::Filters>& filters);

  // -- accept and launch (accept.cpp) -----------------------------------------
  /// ACCEPT: takes the call's offers, launches each valid task and task
  /// group on their agent, refuses the others with TASK_ERROR and gives
  /// what is left of the offers back to the allocator.
  void accept(framework_record& framework, const v1::scheduler::Call::Accept& call);
  /// Takes the call's offers out of the offer book into `batch`; returns
  /// what is wrong with them (empty if they are live, the framework's, each
  /// named once and all from one registered agent).
  std::string take_offers(const framework_record& framework,
                          const v1::scheduler::Call::Accept& call, launch_batch& batch);
  /// Sends `state` for every task the call would have launched.
  void fail_all_tasks(framework_record& framework,
                      const v1::scheduler::Call::Accept& call, v1::TaskState state,
                      v1::TaskStatus::Reason reason, const std::string& why);
  /// LAUNCH of one task: checks it, takes its resources (and its new
  /// executor's) from `batch` and runs it on `agent`, or refuses it.
  void launch_task(framework_record& framework, agent_record& agent,
                   launch_batch& batch, v1::TaskInfo task);
  /// LAUNCH_GROUP: checks the executor and every task, takes their
  /// resources from `batch` and runs them on `agent` together, or refuses
  /// every task of the group.
  void launch_group(framework_record& framework, agent_record& agent,
                    launch_batch& batch, v1::ExecutorInfo executor,
                    v1::TaskGroupInfo group);
  /// Tells the framework that `task` was not launched (TASK_ERROR).
  void refuse_task(framework_record& framework, const v1::TaskInfo& task,
                   v1::TaskStatus::Reason reason, const std::string& why);
  /// Records a task accepted for `agent`, run by `executor_id`, taking
  /// `resources` (its own, as parsed from `task`).
  void start_task(framework_record& framework, agent_record& agent,
                  const v1::TaskInfo& task, common::resources resources,
                  const v1::ExecutorID& executor_id);

  // -- tasks (tasks.cpp) ------------------------------------------------------
  void on_status_update(const address& from, const internal::StatusUpdate& msg);
  void on_exited_executor(const address& from, const internal::ExitedExecutor& msg);
  void on_executor_message(const address& from,
                           const internal::ExecutorToFramework& msg);
  void acknowledge(framework_record& framework,
                   const v1::scheduler::Call::Acknowledge& call);
  void kill(framework_record& framework, const v1::scheduler::Call::Kill& call);
  void reconcile(framework_record& framework,
                 const v1::scheduler::Call::Reconcile& call);
  void message(framework_record& framework, const v1::scheduler::Call::Message& call);
  void shutdown_executor(framework_record& framework,
                         const v1::scheduler::Call::Shutdown& call);
  void send_update(const framework_record& framework, v1::TaskStatus status);
  void complete_task(framework_record& framework, const std::string& task_id);
  /// Keeps an ended task in the framework's bounded history.
  void remember_completed(framework_record& framework, std::string task_id,
                          task_record task);
  /// Reports task `task_id` of `framework` on `agent` ended in `state` (by
  /// the master, not reliably) and keeps it in the history.
  void end_task(framework_record& framework, const agent_record& agent,
                const std::string& task_id, v1::TaskState state,
                v1::TaskStatus::Reason reason, const std::string& why);
  /// Reports the agent's tasks lost (`aware_state` to partition-aware
  /// frameworks) and forgets them; with `keep_checkpointed`, tasks of
  /// frameworks that checkpoint stay.
  void lose_tasks(agent_record& agent, v1::TaskStatus::Reason reason,
                  const std::string& why, bool keep_checkpointed = false,
                  v1::TaskState aware_state = v1::TASK_UNREACHABLE);

  // -- roles (roles.cpp) -----------------------------------------------------
  /// Puts weights (checked) in force: kept in the registry, then passed to
  /// the allocator; a refusal changes nothing.
  runtime::expected<void> change_weights(const internal::UpdateWeights& msg);
  /// The same for quota.
  runtime::expected<void> change_quota(const internal::UpdateQuota& msg);
  void on_update_weights(const address& from, const internal::UpdateWeights& msg);
  void on_update_quota(const address& from, const internal::UpdateQuota& msg);
  void on_get_roles(const address& from, const internal::GetRoles& msg);
  /// Returns the weights other than 1, by role.
  google::protobuf::RepeatedPtrField<v1::WeightInfo> weight_infos() const;
  /// Answers an operator with the weights and quota now in force.
  void send_roles(const address& to);

  address allocator_;
  master_options options_;
  registry_writer writer_;
  /// Role weights other than 1, and quota configs, by role.
  std::map<std::string, double> weights_;
  common::quota_configs quotas_;
  std::string id_;
  uint64_t next_framework_ = 0;
  uint64_t next_agent_ = 0;
  uint64_t next_offer_ = 0;
  /// When this master started, in nanoseconds since the epoch: an agent
  /// whose registry entry does not say since when it is unreachable ages
  /// from here.
  int64_t started_ns_ = 0;
  /// The read endpoints' renderings in flight.
  runtime::shared_answers state_views_{local_node().system(), weak_self()};
  /// When the removal rate limit lets the next silent agent go.
  runtime::time_point next_agent_removal_{};
  std::map<std::string, framework_record> frameworks_;
  std::deque<framework_record> completed_frameworks_;
  agent_table agents_;
  offer_book offers_;
  std::unordered_map<address, std::string> framework_by_scheduler_;
  /// The counters of `count_ended`, by state.
  std::map<v1::TaskState, runtime::counter*> ended_counters_;
  /// The operator API's event streams, oldest first.
  std::deque<address> operator_streams_;
  uint64_t next_operator_stream_ = 0;
};

}  // namespace mensa::master
