#include "actors/scheduler/scheduler_driver.hpp"

#include <utility>

#include "actors/common/master_address.hpp"
#include "runtime/dispatch.hpp"

namespace mensa::scheduler {

const char* to_string(driver_status status) {
  switch (status) {
    case driver_status::not_started:
      return "not_started";
    case driver_status::running:
      return "running";
    case driver_status::stopped:
      return "stopped";
    case driver_status::aborted:
      return "aborted";
  }
  return "unknown";
}

/// The scheduler process behind a driver: hands events to the callbacks
/// while the driver runs, and makes the calls reachable for `dispatch`.
class scheduler_driver::driver_process : public scheduler_process {
 public:
  driver_process(runtime::process_config& cfg, runtime::node& owner, address self,
                 address master, v1::FrameworkInfo framework, scheduler_options options,
                 scheduler_driver* driver)
      : scheduler_process(cfg, owner, std::move(self), std::move(master),
                          std::move(framework), options),
        driver_(driver) {}

  using scheduler_process::accept;
  using scheduler_process::acknowledge;
  using scheduler_process::decline;
  using scheduler_process::kill;
  using scheduler_process::launch_group;
  using scheduler_process::launch_tasks;
  using scheduler_process::reconcile;
  using scheduler_process::revive;
  using scheduler_process::send_message;
  using scheduler_process::suppress;
  using scheduler_process::teardown;
  using scheduler_process::update_framework;

 protected:
  void subscribed(const v1::scheduler::Event::Subscribed& event) override {
    {
      std::lock_guard<std::mutex> guard(driver_->mutex_);
      driver_->framework_id_ = event.framework_id();
    }
    if (running())
      driver_->callbacks_.subscribed(*driver_, event);
  }

  void offers(const std::vector<v1::Offer>& offers) override {
    if (running())
      driver_->callbacks_.offers(*driver_, offers);
  }

  void rescind(const v1::OfferID& offer) override {
    if (running())
      driver_->callbacks_.rescind(*driver_, offer);
  }

  void update(const v1::TaskStatus& status) override {
    if (running())
      driver_->callbacks_.update(*driver_, status);
  }

  void failure(const v1::scheduler::Event::Failure& failure) override {
    if (running())
      driver_->callbacks_.failure(*driver_, failure);
  }

  void message(const v1::scheduler::Event::Message& message) override {
    if (running())
      driver_->callbacks_.message(*driver_, message);
  }

  void error(const std::string& message) override {
    scheduler_process::error(message);
    if (!running())
      return;
    driver_->callbacks_.error(*driver_, message);
    // As Mesos's driver: an error from the master aborts the driver.
    driver_->end(driver_status::aborted);
    quit();
  }

  void disconnected() override {
    if (running())
      driver_->callbacks_.disconnected(*driver_);
  }

 private:
  bool running() const { return driver_->status() == driver_status::running; }

  scheduler_driver* driver_;
};

scheduler_driver::scheduler_driver(scheduler_callbacks& callbacks,
                                   v1::FrameworkInfo framework, std::string master,
                                   driver_options options)
    : callbacks_(callbacks),
      framework_(std::move(framework)),
      master_(std::move(master)),
      options_(std::move(options)) {}

scheduler_driver::~scheduler_driver() {
  abort();
  detector_.reset();
  // The node's destructor waits for the scheduler process to exit.
  node_.reset();
}

runtime::expected<void> scheduler_driver::start() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (status_ != driver_status::not_started)
      return runtime::failure{std::string("the driver cannot start: it is ") +
                              to_string(status_)};
  }
  auto source = common::parse_master_source(master_);
  if (!source)
    return source.error();
  auto cfg = options_.node ? std::move(options_.node)
                           : std::make_unique<runtime::node_config>();
  auto started = runtime::node::start(std::move(cfg));
  if (!started)
    return started.error();
  node_ = std::move(*started);
  std::lock_guard<std::mutex> guard(mutex_);
  auto spawned = node_->spawn<driver_process>(options_.name, source->fixed, framework_,
                                              options_.scheduler, this);
  if (!spawned) {
    node_.reset();
    return spawned.error();
  }
  process_ = runtime::process_handle::find(*node_, options_.name);
  if (source->group)
    detector_ = std::make_unique<common::master_detector>(
        std::move(*source->group), options_.zk_session_timeout,
        common::follow_in<driver_process>(process_));
  status_ = driver_status::running;
  return {};
}

bool scheduler_driver::end(driver_status to) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (status_ != driver_status::running)
    return false;
  status_ = to;
  changed_.notify_all();
  return true;
}

driver_status scheduler_driver::stop(bool failover) {
  auto process = process_;
  if (!end(driver_status::stopped))
    return status();
  process.dispatch<driver_process>([failover](driver_process& p) {
    if (!failover && p.framework_id())
      p.teardown();
    p.quit();
  });
  return driver_status::stopped;
}

driver_status scheduler_driver::abort() {
  auto process = process_;
  if (!end(driver_status::aborted))
    return status();
  process.dispatch<driver_process>([](driver_process& p) { p.quit(); });
  return driver_status::aborted;
}

driver_status scheduler_driver::join() {
  std::unique_lock<std::mutex> guard(mutex_);
  changed_.wait(guard, [this] {
    return status_ == driver_status::stopped || status_ == driver_status::aborted ||
           status_ == driver_status::not_started;
  });
  return status_;
}

runtime::expected<driver_status> scheduler_driver::run() {
  if (auto started = start(); !started)
    return started.error();
  return join();
}

driver_status scheduler_driver::status() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return status_;
}

std::optional<v1::FrameworkID> scheduler_driver::framework_id() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return framework_id_;
}

template <class F>
driver_status scheduler_driver::call(F fn) {
  auto current = status();
  if (current == driver_status::running)
    process_.dispatch<driver_process>(std::move(fn));
  return current;
}

driver_status scheduler_driver::accept(
    const std::vector<v1::OfferID>& offers,
    const std::vector<v1::Offer::Operation>& operations,
    const std::optional<v1::Filters>& filters) {
  return call([=](driver_process& p) { p.accept(offers, operations, filters); });
}

driver_status scheduler_driver::launch_tasks(
    const v1::OfferID& offer, const std::vector<v1::TaskInfo>& tasks,
    const std::optional<v1::Filters>& filters) {
  return call([=](driver_process& p) { p.launch_tasks(offer, tasks, filters); });
}

driver_status scheduler_driver::launch_group(
    const v1::OfferID& offer, const v1::ExecutorInfo& executor,
    const std::vector<v1::TaskInfo>& tasks, const std::optional<v1::Filters>& filters) {
  return call(
      [=](driver_process& p) { p.launch_group(offer, executor, tasks, filters); });
}

driver_status scheduler_driver::decline(const std::vector<v1::OfferID>& offers,
                                        const std::optional<v1::Filters>& filters) {
  return call([=](driver_process& p) { p.decline(offers, filters); });
}

driver_status scheduler_driver::revive(const std::vector<std::string>& roles) {
  return call([=](driver_process& p) { p.revive(roles); });
}

driver_status scheduler_driver::update_framework(
    const v1::FrameworkInfo& info, const std::vector<std::string>& suppressed_roles) {
  return call([=](driver_process& p) { p.update_framework(info, suppressed_roles); });
}

driver_status scheduler_driver::suppress(const std::vector<std::string>& roles) {
  return call([=](driver_process& p) { p.suppress(roles); });
}

driver_status scheduler_driver::kill(const v1::TaskID& task,
                                     const std::optional<v1::AgentID>& agent) {
  return call([=](driver_process& p) { p.kill(task, agent); });
}

driver_status scheduler_driver::acknowledge(const v1::TaskStatus& status) {
  return call([=](driver_process& p) { p.acknowledge(status); });
}

driver_status scheduler_driver::reconcile(
    const std::vector<v1::scheduler::Call::Reconcile::Task>& tasks) {
  return call([=](driver_process& p) { p.reconcile(tasks); });
}

driver_status scheduler_driver::send_message(const v1::AgentID& agent,
                                             const v1::ExecutorID& executor,
                                             std::string data) {
  return call([=, data = std::move(data)](driver_process& p) mutable {
    p.send_message(agent, executor, std::move(data));
  });
}

}  // namespace mensa::scheduler
