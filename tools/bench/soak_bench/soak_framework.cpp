#include "tools/bench/soak_bench/soak_framework.hpp"

#include "actors/common/resources.hpp"
#include "actors/common/task_states.hpp"

namespace mensa::bench {

namespace {

v1::FrameworkInfo soak_info() {
  v1::FrameworkInfo info;
  info.set_user("soak");
  info.set_name("soak");
  info.set_checkpoint(true);
  info.set_failover_timeout(3600);
  return info;
}

}  // namespace

void soak_journal::launched(const std::string& id, bool long_running) {
  std::lock_guard<std::mutex> guard(mutex_);
  tasks_[id].long_running = long_running;
}

void soak_journal::heard(const v1::TaskStatus& status) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto i = tasks_.find(status.task_id().value());
  if (i != tasks_.end())
    i->second.updates.push_back(status);
}

void soak_journal::hold(const v1::Offer& offer) {
  std::lock_guard<std::mutex> guard(mutex_);
  offers_[offer.id().value()] = {offer.agent_id().value(),
                                 common::resources(offer.resources()).scalar("cpus")};
}

void soak_journal::release(const std::string& offer_id) {
  std::lock_guard<std::mutex> guard(mutex_);
  offers_.erase(offer_id);
}

std::map<std::string, soak_journal::task> soak_journal::tasks() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return tasks_;
}

std::size_t soak_journal::unfinished() const {
  std::lock_guard<std::mutex> guard(mutex_);
  std::size_t n = 0;
  for (auto& [id, t] : tasks_) {
    bool ended = false;
    for (auto& status : t.updates)
      ended = ended || common::is_terminal(status.state());
    n += ended ? 0 : 1;
  }
  return n;
}

std::pair<double, std::size_t> soak_journal::offered() const {
  std::lock_guard<std::mutex> guard(mutex_);
  double cpus = 0;
  std::set<std::string> agents;
  for (auto& [id, offer] : offers_) {
    cpus += offer.cpus;
    agents.insert(offer.agent);
  }
  return {cpus, agents.size()};
}

void soak_journal::set_launching(bool on) {
  std::lock_guard<std::mutex> guard(mutex_);
  launching_ = on;
}

bool soak_journal::launching() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return launching_;
}

soak_framework::soak_framework(caf::actor_config& cfg, runtime::node& owner,
                               address self, address master, soak_journal* journal,
                               uint64_t seed, std::size_t in_flight)
    : scheduler_process(cfg, owner, std::move(self), std::move(master), soak_info()),
      journal_(journal),
      random_(seed),
      in_flight_(in_flight) {}

void soak_framework::offers(const std::vector<v1::Offer>& offers) {
  auto per_task = *common::resources::parse("cpus:0.25;mem:32");
  for (auto& offer : offers) {
    if (!journal_->launching()) {
      journal_->hold(offer);
      continue;
    }
    common::resources left(offer.resources());
    auto role = offer.resources(0).allocation_info().role();
    auto needed = per_task.allocated_to(role);
    std::vector<v1::TaskInfo> tasks;
    while (live_.size() + tasks.size() < in_flight_ && left.contains(needed)) {
      left -= needed;
      v1::TaskInfo task;
      auto id = "t" + std::to_string(next_task_++);
      bool long_running = random_() % 4 == 0;
      task.set_name(id);
      task.mutable_task_id()->set_value(id);
      *task.mutable_agent_id() = offer.agent_id();
      needed.copy_to(task.mutable_resources());
      task.mutable_command()->set_value(
          long_running ? "sleep 20" : "sleep 0." + std::to_string(1 + random_() % 9));
      journal_->launched(id, long_running);
      live_.insert(id);
      tasks.push_back(std::move(task));
    }
    v1::Filters filters;
    filters.set_refuse_seconds(1);
    if (tasks.empty())
      decline({offer.id()}, filters);
    else
      launch_tasks(offer.id(), tasks, filters);
  }
}

void soak_framework::rescind(const v1::OfferID& offer) {
  journal_->release(offer.value());
}

void soak_framework::update(const v1::TaskStatus& status) {
  journal_->heard(status);
  if (common::is_terminal(status.state()))
    live_.erase(status.task_id().value());
}

}  // namespace mensa::bench
