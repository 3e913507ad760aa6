#include "runtime/zookeeper_log.hpp"

#include <charconv>
#include <optional>

namespace mensa::runtime {

namespace {

constexpr std::string_view records_prefix = "records-";
constexpr std::string_view snapshot_prefix = "snapshot-";
constexpr std::size_t length_bytes = 4;
/// Removals per fenced request.
constexpr std::size_t removals_per_request = 256;

/// Returns the sequence number ZooKeeper appended to `name` (10 digits),
/// or nothing if `name` has none.
std::optional<uint64_t> sequence_of(const std::string& name) {
  if (name.size() < 10)
    return std::nullopt;
  uint64_t value = 0;
  auto digits = name.data() + name.size() - 10;
  auto [end, error] = std::from_chars(digits, name.data() + name.size(), value);
  if (error != std::errc{} || end != name.data() + name.size())
    return std::nullopt;
  return value;
}

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

void add_framed(std::string& batch, std::string_view record) {
  auto size = static_cast<uint32_t>(record.size());
  for (std::size_t i = 0; i < length_bytes; ++i)
    batch.push_back(static_cast<char>((size >> (8 * i)) & 0xff));
  batch.append(record);
}

/// Splits a batch into its records; fails if it is not one.
bool unframe(const std::string& batch, std::vector<std::string>& records) {
  std::size_t at = 0;
  while (at < batch.size()) {
    if (batch.size() - at < length_bytes)
      return false;
    uint32_t size = 0;
    for (std::size_t i = 0; i < length_bytes; ++i)
      size |= static_cast<uint32_t>(static_cast<unsigned char>(batch[at + i]))
              << (8 * i);
    at += length_bytes;
    if (batch.size() - at < size)
      return false;
    records.emplace_back(batch, at, size);
    at += size;
  }
  return true;
}

}  // namespace

zookeeper_log::zookeeper_log(std::shared_ptr<zookeeper_session> session,
                             std::string path, std::string fence)
    : session_(std::move(session)), path_(std::move(path)), fence_(std::move(fence)) {}

expected<std::unique_ptr<zookeeper_log>> zookeeper_log::open(
    std::shared_ptr<zookeeper_session> session, std::string path, std::string fence,
    contents& found) {
  found = {};
  if (auto made = session->create_path(path); !made)
    return made.error();
  auto names = session->children(path, false);
  if (!names)
    return names.error();
  std::unique_ptr<zookeeper_log> log(
      new zookeeper_log(std::move(session), std::move(path), std::move(fence)));
  for (auto& name : *names)
    if (auto sequence = sequence_of(name);
        sequence &&
        (starts_with(name, records_prefix) || starts_with(name, snapshot_prefix)))
      log->nodes_[*sequence] = name;
  auto& zk = *log->session_;
  // The newest whole snapshot; newer ones missing chunks are dropped.
  std::optional<uint64_t> snapshot_sequence;
  std::vector<std::string> torn;
  for (auto i = log->nodes_.rbegin(); i != log->nodes_.rend(); ++i) {
    if (!starts_with(i->second, snapshot_prefix))
      continue;
    auto node = log->path_ + "/" + i->second;
    auto header = zk.get(node, false);
    if (!header)
      return header.error();
    std::size_t chunks = 0;
    auto text = header->value_or(std::string{});
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), chunks);
    std::string snapshot;
    bool whole = error == std::errc{} && end == text.data() + text.size();
    for (std::size_t k = 0; whole && k < chunks; ++k) {
      auto chunk = zk.get(node + "/chunk-" + std::to_string(k), false);
      if (!chunk)
        return chunk.error();
      whole = chunk->has_value();
      if (whole)
        snapshot += **chunk;
    }
    if (!whole) {
      torn.push_back(i->second);
      continue;
    }
    found.snapshot = std::move(snapshot);
    snapshot_sequence = i->first;
    break;
  }
  for (auto& [sequence, name] : log->nodes_) {
    if ((snapshot_sequence && sequence <= *snapshot_sequence) ||
        !starts_with(name, records_prefix))
      continue;
    auto batch = zk.get(log->path_ + "/" + name, false);
    if (!batch)
      return batch.error();
    if (!batch->has_value() || !unframe(**batch, found.records))
      return failure{log->where() + "/" + name + " does not hold a batch of records"};
  }
  log->since_snapshot_ = found.records.size();
  for (auto& name : torn) {
    if (auto removed = log->remove_snapshot(name); !removed)
      return removed.error();
    log->nodes_.erase(*sequence_of(name));
  }
  if (snapshot_sequence)
    if (auto removed = log->remove_before(*snapshot_sequence); !removed)
      return removed.error();
  return log;
}

expected<void> zookeeper_log::write(std::string_view record) {
  if (record.size() + length_bytes > zookeeper_max_data)
    return failure{"a record of " + std::to_string(record.size()) +
                   " bytes does not fit a znode (at most " +
                   std::to_string(zookeeper_max_data - length_bytes) + ")"};
  pending_.emplace_back(record);
  ++since_snapshot_;
  return {};
}

expected<void> zookeeper_log::append(std::string_view record) {
  if (auto written = write(record); !written)
    return written;
  return sync();
}

expected<void> zookeeper_log::sync() {
  std::size_t done = 0;
  while (done < pending_.size()) {
    std::string batch;
    std::size_t next = done;
    while (next < pending_.size() &&
           batch.size() + length_bytes + pending_[next].size() <= zookeeper_max_data)
      add_framed(batch, pending_[next++]);
    auto created = session_->fenced(
        fence_, {{zookeeper_session::write::kind::create_sequential,
                  path_ + "/" + std::string(records_prefix), std::move(batch)}});
    if (!created) {
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(done));
      return created.error();
    }
    auto name = created->front().substr(path_.size() + 1);
    nodes_[*sequence_of(name)] = name;
    done = next;
  }
  pending_.clear();
  return {};
}

expected<void> zookeeper_log::compact(std::string_view snapshot) {
  std::size_t chunks = (snapshot.size() + zookeeper_max_data - 1) / zookeeper_max_data;
  auto created = session_->fenced(
      fence_, {{zookeeper_session::write::kind::create_sequential,
                path_ + "/" + std::string(snapshot_prefix), std::to_string(chunks)}});
  if (!created)
    return created.error();
  auto node = created->front();
  auto name = node.substr(path_.size() + 1);
  auto sequence = *sequence_of(name);
  nodes_[sequence] = name;
  for (std::size_t k = 0; k < chunks; ++k) {
    auto piece = snapshot.substr(k * zookeeper_max_data, zookeeper_max_data);
    if (auto written = session_->fenced(
            fence_, {{zookeeper_session::write::kind::create,
                      node + "/chunk-" + std::to_string(k), std::string(piece)}});
        !written)
      return written.error();
  }
  // The snapshot holds what was written and not synced too.
  pending_.clear();
  since_snapshot_ = 0;
  return remove_before(sequence);
}

expected<void> zookeeper_log::remove_snapshot(const std::string& name) {
  auto node = path_ + "/" + name;
  auto chunks = session_->children(node, false);
  if (!chunks)
    return chunks.error();
  std::vector<zookeeper_session::write> removals;
  for (auto& chunk : *chunks)
    removals.push_back(
        {zookeeper_session::write::kind::remove, node + "/" + chunk, {}});
  removals.push_back({zookeeper_session::write::kind::remove, node, {}});
  if (auto removed = session_->fenced(fence_, removals); !removed)
    return removed.error();
  return {};
}

expected<void> zookeeper_log::remove_before(uint64_t sequence) {
  std::vector<zookeeper_session::write> removals;
  auto flush = [&]() -> expected<void> {
    if (removals.empty())
      return {};
    auto removed = session_->fenced(fence_, removals);
    removals.clear();
    if (!removed)
      return removed.error();
    return {};
  };
  for (auto i = nodes_.begin(); i != nodes_.end() && i->first < sequence;) {
    if (starts_with(i->second, snapshot_prefix)) {
      if (auto done = flush(); !done)
        return done;
      if (auto removed = remove_snapshot(i->second); !removed)
        return removed;
    } else {
      removals.push_back(
          {zookeeper_session::write::kind::remove, path_ + "/" + i->second, {}});
      if (removals.size() == removals_per_request)
        if (auto done = flush(); !done)
          return done;
    }
    i = nodes_.erase(i);
  }
  return flush();
}

}  // namespace mensa::runtime
