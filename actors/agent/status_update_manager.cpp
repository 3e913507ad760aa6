#include "actors/agent/status_update_manager.hpp"

#include <algorithm>

namespace mensa::agent {

status_update_manager::status_update_manager(environment env, retry_backoff backoff)
    : env_(std::move(env)), backoff_(backoff) {}

void status_update_manager::update(internal::StatusUpdate update) {
  key k{update.framework_id().value(), update.status().task_id().value()};
  auto& s = streams_[k];
  for (auto& queued : s.pending)
    if (queued->uuid() == update.uuid())
      return;
  s.pending.push_back(std::make_shared<internal::StatusUpdate>(std::move(update)));
  if (s.pending.size() == 1) {
    s.backoff = backoff_.initial;
    send_head(k, s);
  } else {
    carry_latest_state(s);
  }
}

void status_update_manager::carry_latest_state(stream& s) {
  auto& head = s.pending.front();
  auto latest = s.pending.back()->status().state();
  if (head->has_latest_state() && head->latest_state() == latest)
    return;
  if (head.use_count() > 1)
    head = std::make_shared<internal::StatusUpdate>(*head);
  head->set_latest_state(latest);
}

void status_update_manager::send_head(const key& k, stream& s) {
  if (s.timer != 0)
    env_.cancel(s.timer);
  carry_latest_state(s);
  env_.forward(s.pending.front());
  auto wait = s.backoff;
  s.backoff = std::min(s.backoff * 2, backoff_.max);
  s.timer = env_.delay(wait, [this, k] {
    auto i = streams_.find(k);
    if (i == streams_.end() || i->second.pending.empty())
      return;
    i->second.timer = 0;
    send_head(k, i->second);
  });
}

std::shared_ptr<const internal::StatusUpdate> status_update_manager::acknowledge(
    const std::string& framework_id, const std::string& task_id,
    const std::string& uuid) {
  auto i = streams_.find({framework_id, task_id});
  if (i == streams_.end() || i->second.pending.empty() ||
      i->second.pending.front()->uuid() != uuid)
    return nullptr;
  auto& s = i->second;
  auto acked = std::move(s.pending.front());
  s.pending.pop_front();
  if (s.timer != 0)
    env_.cancel(s.timer);
  s.timer = 0;
  if (s.pending.empty()) {
    streams_.erase(i);
  } else {
    s.backoff = backoff_.initial;
    send_head(i->first, s);
  }
  return acked;
}

void status_update_manager::flush(const std::string& framework_id) {
  for (auto& [k, s] : streams_)
    if (!s.pending.empty() && (framework_id.empty() || k.first == framework_id)) {
      s.backoff = backoff_.initial;
      send_head(k, s);
    }
}

void status_update_manager::remove_framework(const std::string& framework_id) {
  for (auto i = streams_.begin(); i != streams_.end();) {
    if (i->first.first == framework_id) {
      if (i->second.timer != 0)
        env_.cancel(i->second.timer);
      i = streams_.erase(i);
    } else {
      ++i;
    }
  }
}

bool status_update_manager::pending(const std::string& framework_id,
                                    const std::string& task_id) const {
  return streams_.count({framework_id, task_id}) > 0;
}

const internal::StatusUpdate* status_update_manager::latest(
    const std::string& framework_id, const std::string& task_id) const {
  auto i = streams_.find({framework_id, task_id});
  if (i == streams_.end() || i->second.pending.empty())
    return nullptr;
  return i->second.pending.back().get();
}

std::vector<internal::StatusUpdate> status_update_manager::unacknowledged(
    const std::string& framework_id, const std::string& task_id) const {
  auto i = streams_.find({framework_id, task_id});
  if (i == streams_.end())
    return {};
  std::vector<internal::StatusUpdate> result;
  for (auto& update : i->second.pending)
    result.push_back(*update);
  return result;
}

void status_update_manager::each_latest(
    const std::function<void(const internal::StatusUpdate&)>& fn) const {
  for (auto& [k, s] : streams_)
    if (!s.pending.empty())
      fn(*s.pending.back());
}

}  // namespace mensa::agent
