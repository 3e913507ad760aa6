// The master forgets agents that stay unreachable (Mesos's registry GC):
// without it a cluster whose machines come and go would keep a record and
// a registry entry of every agent it ever had.

#include <string>
#include <vector>

#include "actors/master/master_process.hpp"

namespace mensa::master {

void master_process::collect_unreachable_agents() {
  delay(options_.registry_gc_interval, [this] { collect_unreachable_agents(); });
  auto unreachable = writer_.kept().unreachable_agents();
  auto now = now_nanoseconds();
  auto max_age = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     options_.registry_max_agent_age)
                     .count();
  auto over_count = unreachable.size() > options_.registry_max_agent_count
                        ? unreachable.size() - options_.registry_max_agent_count
                        : 0;
  std::vector<std::string> forgotten;
  // The longest unreachable come first: those over the count, then those
  // too old, until the first one young enough.
  for (std::size_t k = 0; k < unreachable.size(); ++k) {
    auto since = unreachable[k].since_ns != 0 ? unreachable[k].since_ns : started_ns_;
    if (k >= over_count && now - since < max_age)
      continue;
    auto& id = unreachable[k].id;
    auto* record = agents_.find(id);
    if (record != nullptr && record->state != agent_state::unreachable)
      continue;
    if (!persist(registry::removal(id), "the removal of agent " + id, true))
      break;  // the next round tries again
    agents_.erase(id);
    forgotten.push_back(id);
  }
  if (forgotten.empty())
    return;
  // Named up to a few; a cluster that lost a rack forgets many at once.
  constexpr std::size_t named = 10;
  std::string listed;
  for (std::size_t k = 0; k < forgotten.size() && k < named; ++k)
    listed += (k == 0 ? "" : ", ") + forgotten[k];
  if (forgotten.size() > named)
    listed += " and " + std::to_string(forgotten.size() - named) + " more";
  log(runtime::log_level::info,
      "forgot " + std::to_string(forgotten.size()) +
          " unreachable agents (past --registry_max_agent_age or "
          "--registry_max_agent_count): " +
          listed);
}

}  // namespace mensa::master
