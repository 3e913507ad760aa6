#include "actors/agent/resource_detection.hpp"

#include <sys/statvfs.h>
#include <sys/sysinfo.h>

#include <thread>

namespace mensa::agent {

namespace {

constexpr double gib = 1024;

double detected_memory_mb() {
  struct sysinfo info {};
  if (sysinfo(&info) != 0)
    return 0;
  double total = static_cast<double>(info.totalram) * info.mem_unit / (1024.0 * 1024.0);
  return total >= 2 * gib ? total - gib : total / 2;
}

double detected_disk_mb(const std::string& work_dir) {
  struct statvfs fs {};
  if (statvfs(work_dir.empty() ? "/" : work_dir.c_str(), &fs) != 0 &&
      statvfs("/", &fs) != 0)
    return 0;
  double total = static_cast<double>(fs.f_blocks) * fs.f_frsize / (1024.0 * 1024.0);
  return total >= 10 * gib ? total - 5 * gib : total / 2;
}

}  // namespace

runtime::expected<common::resources> agent_resources(const std::string& flag,
                                                     const std::string& work_dir) {
  auto given = common::resources::parse(flag);
  if (!given)
    return runtime::failure{"invalid --resources: " + given.error().message};
  auto names_given = [&](const char* name) {
    for (auto& r : given->entries())
      if (r.name() == name)
        return true;
    return false;
  };
  std::string detected;
  auto add = [&](const std::string& item) {
    detected += (detected.empty() ? "" : ";") + item;
  };
  if (!names_given("cpus"))
    add("cpus:" + std::to_string(std::max(1u, std::thread::hardware_concurrency())));
  if (!names_given("mem"))
    add("mem:" + std::to_string(static_cast<long>(detected_memory_mb())));
  if (!names_given("disk"))
    add("disk:" + std::to_string(static_cast<long>(detected_disk_mb(work_dir))));
  if (!names_given("ports"))
    add("ports:[31000-32000]");
  auto result = *given;
  if (!detected.empty())
    result += *common::resources::parse(detected);
  return result;
}

}  // namespace mensa::agent
