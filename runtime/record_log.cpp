#include "runtime/record_log.hpp"

#include <openssl/sha.h>

#include <cstdint>
#include <utility>

namespace mensa::runtime {

namespace {

constexpr std::size_t header_size = 8;

uint32_t checksum(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return static_cast<uint32_t>(digest[0]) | static_cast<uint32_t>(digest[1]) << 8 |
         static_cast<uint32_t>(digest[2]) << 16 |
         static_cast<uint32_t>(digest[3]) << 24;
}

void put_u32(std::string& out, uint32_t x) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
}

uint32_t get_u32(std::string_view in, std::size_t at) {
  uint32_t x = 0;
  for (int i = 0; i < 4; ++i)
    x |= static_cast<uint32_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return x;
}

std::string encode_u64(uint64_t x) {
  std::string out;
  put_u32(out, static_cast<uint32_t>(x));
  put_u32(out, static_cast<uint32_t>(x >> 32));
  return out;
}

uint64_t decode_u64(std::string_view in) {
  return static_cast<uint64_t>(get_u32(in, 0)) | static_cast<uint64_t>(get_u32(in, 4))
                                                     << 32;
}

std::string frame(std::string_view record) {
  std::string out;
  out.reserve(header_size + record.size());
  put_u32(out, static_cast<uint32_t>(record.size()));
  put_u32(out, checksum(record));
  out.append(record);
  return out;
}

// Writes `bytes` to `path` through a file beside it, renamed over it once
// on disk: readers see the old file or the new one, never a part.
expected<void> replace_file(file_system& fs, const std::string& directory,
                            const std::string& path, std::string_view bytes) {
  auto fresh = path + ".new";
  auto file = fs.open_for_append(fresh, true);
  if (!file)
    return file.error();
  auto written = fs.append(*file, bytes);
  auto synced = written ? fs.sync(*file) : written;
  fs.close(*file);
  if (!synced)
    return synced;
  if (auto renamed = fs.rename(fresh, path); !renamed)
    return renamed;
  return fs.sync_directory(directory);
}

// Reads the frames of `bytes` into `out`; `end` becomes the offset after
// the last whole one. A damaged frame that is not the last is an error.
expected<void> read_frames(std::string_view bytes, const std::string& path,
                           std::vector<std::string>& out, std::size_t& end) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    auto left = bytes.size() - at;
    if (left < header_size)
      break;  // torn in its header
    auto length = get_u32(bytes, at);
    if (left - header_size < length)
      break;  // torn in its body
    auto record = bytes.substr(at + header_size, length);
    if (checksum(record) != get_u32(bytes, at + 4)) {
      if (at + header_size + length == bytes.size())
        break;  // the last one, torn: its length landed, not all its bytes
      return failure{path + " is damaged at byte " + std::to_string(at) +
                     ": a record's checksum does not match, and records follow it"};
    }
    out.emplace_back(record);
    at += header_size + length;
  }
  end = at;
  return {};
}

// Reads the frames of the file at `path` (none if it is not there); `size`
// becomes the file's size and `end` the offset after its last whole frame.
expected<void> read_frames_of(file_system& fs, const std::string& path,
                              std::vector<std::string>& out, std::size_t& end,
                              std::size_t& size) {
  end = size = 0;
  if (!fs.exists(path))
    return {};
  auto bytes = fs.read(path);
  if (!bytes)
    return bytes.error();
  size = bytes->size();
  return read_frames(*bytes, path, out, end);
}

}  // namespace

record_log::record_log(file_system& fs, std::string directory, file_system::handle file,
                       std::size_t size, std::size_t records, uint64_t generation)
    : fs_(&fs),
      directory_(std::move(directory)),
      file_(file),
      size_(size),
      since_snapshot_(records),
      generation_(generation) {}

record_log::record_log(record_log&& other) noexcept
    : fs_(other.fs_),
      directory_(std::move(other.directory_)),
      file_(std::exchange(other.file_, -1)),
      size_(other.size_),
      since_snapshot_(other.since_snapshot_),
      unsynced_(other.unsynced_),
      broken_(std::move(other.broken_)),
      generation_(other.generation_) {}

record_log& record_log::operator=(record_log&& other) noexcept {
  if (this != &other) {
    if (file_ >= 0)
      fs_->close(file_);
    fs_ = other.fs_;
    directory_ = std::move(other.directory_);
    file_ = std::exchange(other.file_, -1);
    size_ = other.size_;
    since_snapshot_ = other.since_snapshot_;
    unsynced_ = other.unsynced_;
    broken_ = std::move(other.broken_);
    generation_ = other.generation_;
  }
  return *this;
}

record_log::~record_log() {
  if (file_ >= 0)
    fs_->close(file_);
}

// The snapshot's record is the number of the last log it holds, then what
// it holds; a log's first record is its own number.
expected<record_log> record_log::open(const std::string& directory, contents& found,
                                      file_system& fs) {
  found = {};
  if (auto made = fs.create_directories(directory); !made)
    return made.error();
  auto snapshot_path = directory + "/snapshot";
  auto log_path = directory + "/log";
  uint64_t covered = 0;
  std::vector<std::string> frames;
  std::size_t end = 0;
  std::size_t size = 0;
  if (auto ok = read_frames_of(fs, snapshot_path, frames, end, size); !ok)
    return ok.error();
  if (size > 0) {
    if (frames.size() != 1 || end != size || frames.front().size() < 8)
      return failure{snapshot_path + " is damaged: it should hold one whole record"};
    covered = decode_u64(frames.front());
    found.snapshot = frames.front().substr(8);
  }
  frames.clear();
  if (auto ok = read_frames_of(fs, log_path, frames, end, size); !ok)
    return ok.error();
  if (!frames.empty() && frames.front().size() != 8)
    return failure{log_path + " is damaged: it does not start with its number"};
  auto generation = frames.empty() ? 0 : decode_u64(frames.front());
  if (generation <= covered) {
    // No log, a log torn before its number landed, or one the snapshot
    // holds already (a crash in the middle of `compact`): start the next.
    generation = covered + 1;
    auto first = frame(encode_u64(generation));
    if (auto ok = replace_file(fs, directory, log_path, first); !ok)
      return ok.error();
    frames.clear();
    end = size = first.size();
  }
  found.records.assign(frames.size() > 1 ? frames.begin() + 1 : frames.end(),
                       frames.end());
  found.dropped_bytes = size - end;
  auto file = fs.open_for_append(log_path, false);
  if (!file)
    return file.error();
  record_log log(fs, directory, *file, end, found.records.size(), generation);
  if (found.dropped_bytes > 0) {
    if (auto cut = fs.truncate(*file, end); !cut)
      return failure{"cannot cut the torn end off " + log_path + ": " +
                     cut.error().message};
  }
  if (auto ok = fs.sync_directory(directory); !ok)
    return ok.error();
  return log;
}

expected<void> record_log::append(std::string_view record) {
  if (auto ok = write(record); !ok)
    return ok;
  return sync();
}

expected<void> record_log::write(std::string_view record) {
  if (!broken_.empty())
    return failure{broken_};
  auto framed = frame(record);
  if (auto ok = fs_->append(file_, framed); !ok) {
    // Part of the record may have landed: cut it off, so that what comes
    // next follows the last whole record (a torn record in the middle of
    // the log would make it unreadable). If even that fails, nothing more
    // is written: the log as it stands on disk is still whole up to here.
    if (auto cut = fs_->truncate(file_, size_); !cut)
      broken_ = directory_ + "/log cannot be written to: a write failed (" +
                ok.error().message + ") and its torn end cannot be cut off (" +
                cut.error().message + ")";
    return ok;
  }
  size_ += framed.size();
  ++since_snapshot_;
  unsynced_ = true;
  return {};
}

expected<void> record_log::sync() {
  if (!unsynced_)
    return {};
  if (auto synced = fs_->sync(file_); !synced)
    return synced;
  unsynced_ = false;
  return {};
}

expected<void> record_log::compact(std::string_view snapshot) {
  auto log_path = directory_ + "/log";
  auto held = encode_u64(generation_);
  held.append(snapshot);
  if (auto ok = replace_file(*fs_, directory_, directory_ + "/snapshot", frame(held));
      !ok)
    return ok;
  // A crash from here on leaves the new snapshot with the old log, whose
  // number says the snapshot holds it.
  auto first = frame(encode_u64(generation_ + 1));
  if (auto ok = replace_file(*fs_, directory_, log_path, first); !ok)
    return ok;
  auto file = fs_->open_for_append(log_path, false);
  if (!file)
    return file.error();
  fs_->close(file_);
  file_ = *file;
  size_ = first.size();
  broken_.clear();
  ++generation_;
  since_snapshot_ = 0;
  unsynced_ = false;  // the snapshot, flushed, holds it all
  return {};
}

}  // namespace mensa::runtime
