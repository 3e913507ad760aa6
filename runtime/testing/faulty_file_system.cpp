#include "runtime/testing/faulty_file_system.hpp"

#include <algorithm>

namespace mensa::runtime::testing {

namespace {

// Returns the directory part of `path` ("" for a bare name).
std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace

faulty_file_system::faulty_file_system(uint64_t seed) : random_(seed) {}

void faulty_file_system::fail_next(operation op, int count, int skip) {
  std::lock_guard<std::mutex> guard(mutex_);
  pending_faults_[op] = {skip, count};
}

void faulty_file_system::limit_space(std::optional<std::size_t> bytes) {
  std::lock_guard<std::mutex> guard(mutex_);
  space_ = bytes;
}

void faulty_file_system::fail_at_random(double p) {
  std::lock_guard<std::mutex> guard(mutex_);
  random_probability_ = p;
}

void faulty_file_system::crash() {
  std::lock_guard<std::mutex> guard(mutex_);
  ++counts_.crashes;
  names_ = durable_names_;
  open_.clear();
  for (auto i = inodes_.begin(); i != inodes_.end();) {
    bool named = std::any_of(names_.begin(), names_.end(), [&](const auto& entry) {
      return entry.second == i->first;
    });
    if (!named) {
      i = inodes_.erase(i);
      continue;
    }
    i->second.data = i->second.durable;
    ++i;
  }
}

faulty_file_system::fault_counts faulty_file_system::faults() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return counts_;
}

std::string faulty_file_system::contents(const std::string& path) const {
  std::lock_guard<std::mutex> guard(mutex_);
  auto name = names_.find(path);
  return name == names_.end() ? std::string() : inodes_.at(name->second).data;
}

bool faulty_file_system::injected(operation op) {
  auto& planned = pending_faults_[op];
  if (planned.skip > 0) {
    --planned.skip;
  } else if (planned.count > 0) {
    --planned.count;
    return true;
  }
  if (random_probability_ <= 0)
    return false;
  auto draw = static_cast<double>(random_() >> 11) / static_cast<double>(1ull << 53);
  return draw < random_probability_;
}

failure faulty_file_system::bad_handle(handle file) {
  // A file opened before a crash is gone with the process that had it.
  return failure{"file " + std::to_string(file) + ": Bad file descriptor"};
}

failure faulty_file_system::fault(const std::string& what, const std::string& path,
                                  const char* reason) {
  return failure{what + " " + path + ": " + reason + " (injected)"};
}

expected<void> faulty_file_system::create_directories(const std::string&) {
  return {};
}

bool faulty_file_system::exists(const std::string& path) {
  std::lock_guard<std::mutex> guard(mutex_);
  return names_.count(path) > 0;
}

expected<std::string> faulty_file_system::read(const std::string& path) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto name = names_.find(path);
  if (name == names_.end())
    return failure{"cannot read " + path + ": No such file or directory"};
  return inodes_.at(name->second).data;
}

expected<file_system::handle> faulty_file_system::open_for_append(
    const std::string& path, bool create) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto name = names_.find(path);
  inode_id id = 0;
  if (create) {
    id = next_inode_++;
    inodes_[id];
    names_[path] = id;
  } else if (name != names_.end()) {
    id = name->second;
  } else {
    return failure{"cannot open " + path + ": No such file or directory"};
  }
  auto h = next_handle_++;
  open_[h] = id;
  return h;
}

faulty_file_system::inode* faulty_file_system::open_inode(handle file) {
  auto i = open_.find(file);
  if (i == open_.end())
    return nullptr;
  auto node = inodes_.find(i->second);
  return node == inodes_.end() ? nullptr : &node->second;
}

expected<void> faulty_file_system::append(handle file, std::string_view bytes) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto* found = open_inode(file);
  if (found == nullptr)
    return bad_handle(file);
  auto& node = *found;
  if (injected(operation::write)) {
    ++counts_.writes;
    // Half of it landed before the error.
    node.data.append(bytes.substr(0, bytes.size() / 2));
    return fault("cannot write", "file " + std::to_string(file), "Input/output error");
  }
  if (space_ && bytes.size() > *space_) {
    ++counts_.full;
    node.data.append(bytes.substr(0, *space_));
    space_ = 0;
    return fault("cannot write", "file " + std::to_string(file),
                 "No space left on device");
  }
  if (space_)
    *space_ -= bytes.size();
  node.data.append(bytes);
  return {};
}

expected<void> faulty_file_system::sync(handle file) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (injected(operation::sync)) {
    ++counts_.syncs;
    return fault("cannot flush", "file " + std::to_string(file), "Input/output error");
  }
  auto* node = open_inode(file);
  if (node == nullptr)
    return bad_handle(file);
  node->durable = node->data;
  return {};
}

expected<void> faulty_file_system::truncate(handle file, std::size_t size) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto* node = open_inode(file);
  if (node == nullptr)
    return bad_handle(file);
  if (size < node->data.size())
    node->data.resize(size);
  return {};
}

void faulty_file_system::close(handle file) {
  std::lock_guard<std::mutex> guard(mutex_);
  open_.erase(file);
}

expected<void> faulty_file_system::rename(const std::string& from,
                                          const std::string& to) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (injected(operation::rename)) {
    ++counts_.renames;
    return fault("cannot rename " + from + " to", to, "Input/output error");
  }
  auto name = names_.find(from);
  if (name == names_.end())
    return failure{"cannot rename " + from + " to " + to +
                   ": No such file or directory"};
  names_[to] = name->second;
  names_.erase(name);
  return {};
}

expected<void> faulty_file_system::sync_directory(const std::string& directory) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (injected(operation::sync)) {
    ++counts_.syncs;
    return fault("cannot flush", directory, "Input/output error");
  }
  for (auto i = durable_names_.begin(); i != durable_names_.end();)
    i = directory_of(i->first) == directory ? durable_names_.erase(i) : std::next(i);
  for (auto& [path, id] : names_)
    if (directory_of(path) == directory)
      durable_names_[path] = id;
  return {};
}

}  // namespace mensa::runtime::testing
