#include "actors/master/registry_writer.hpp"

#include <chrono>
#include <utility>

namespace mensa::master {

registry_writer::registry_writer(registry kept, environment env)
    : registry_(std::move(kept)), env_(std::move(env)) {}

runtime::expected<void> registry_writer::keep(const internal::RegistryOperation& op,
                                              const std::string& what, bool deferred) {
  auto kept = deferred ? registry_.apply_deferred(op) : registry_.apply(op);
  if (!kept)
    return runtime::failure{"cannot keep " + what +
                            " in the registry: " + kept.error().message};
  if (auto failed = registry_.take_compaction_failure(); !failed.empty())
    env_.log(runtime::log_level::warning, "cannot compact the registry: " + failed);
  if (deferred)
    schedule_flush();
  else
    release();
  return {};
}

void registry_writer::when_durable(std::function<void()> fn) {
  if (!registry_.unsynced() && waiters_.empty())
    return fn();
  waiters_.push_back(std::move(fn));
}

void registry_writer::schedule_flush() {
  if (flush_pending_)
    return;
  flush_pending_ = true;
  env_.defer([this] { flush(); });
}

void registry_writer::flush() {
  flush_pending_ = false;
  if (auto synced = registry_.sync(); !synced) {
    // What waits stays waiting; the next flush may do better.
    env_.log(runtime::log_level::error,
             "cannot flush the registry: " + synced.error().message);
    flush_pending_ = true;
    env_.delay(std::chrono::seconds(1), [this] { flush(); });
    return;
  }
  release();
}

void registry_writer::release() {
  if (registry_.unsynced())
    return;
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& fn : waiters)
    fn();
}

}  // namespace mensa::master
