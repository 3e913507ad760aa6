#include "runtime/record_log.hpp"

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
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

failure system_failure(const std::string& what, const std::string& path) {
  return {what + " " + path + ": " + std::strerror(errno)};
}

expected<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return system_failure("cannot read", path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

expected<void> write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return system_failure("cannot write", path);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

expected<void> sync_directory(const std::string& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    return system_failure("cannot open", directory);
  auto ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok)
    return system_failure("cannot flush", directory);
  return {};
}

// Writes `bytes` to `path` through a file beside it, renamed over it once
// on disk: readers see the old file or the new one, never a part.
expected<void> replace_file(const std::string& directory, const std::string& path,
                            std::string_view bytes) {
  auto fresh = path + ".new";
  int fd = ::open(fresh.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return system_failure("cannot create", fresh);
  auto written = write_all(fd, bytes, fresh);
  auto synced = written && ::fsync(fd) == 0;
  ::close(fd);
  if (!written)
    return written;
  if (!synced)
    return system_failure("cannot flush", fresh);
  if (::rename(fresh.c_str(), path.c_str()) != 0)
    return system_failure("cannot rename " + fresh + " to", path);
  return sync_directory(directory);
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
expected<void> read_frames_of(const std::string& path, std::vector<std::string>& out,
                              std::size_t& end, std::size_t& size) {
  end = size = 0;
  if (!std::filesystem::exists(path))
    return {};
  auto bytes = read_file(path);
  if (!bytes)
    return bytes.error();
  size = bytes->size();
  return read_frames(*bytes, path, out, end);
}

expected<int> open_for_append(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0)
    return system_failure("cannot open", path);
  return fd;
}

}  // namespace

record_log::record_log(std::string directory, int fd, std::size_t records,
                       uint64_t generation)
    : directory_(std::move(directory)),
      fd_(fd),
      since_snapshot_(records),
      generation_(generation) {}

record_log::record_log(record_log&& other) noexcept
    : directory_(std::move(other.directory_)),
      fd_(std::exchange(other.fd_, -1)),
      since_snapshot_(other.since_snapshot_),
      unsynced_(other.unsynced_),
      generation_(other.generation_) {}

record_log& record_log::operator=(record_log&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    directory_ = std::move(other.directory_);
    fd_ = std::exchange(other.fd_, -1);
    since_snapshot_ = other.since_snapshot_;
    unsynced_ = other.unsynced_;
    generation_ = other.generation_;
  }
  return *this;
}

record_log::~record_log() {
  if (fd_ >= 0)
    ::close(fd_);
}

// The snapshot's record is the number of the last log it holds, then what
// it holds; a log's first record is its own number.
expected<record_log> record_log::open(const std::string& directory, contents& found) {
  found = {};
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error)
    return failure{"cannot create " + directory + ": " + error.message()};
  auto snapshot_path = directory + "/snapshot";
  auto log_path = directory + "/log";
  uint64_t covered = 0;
  std::vector<std::string> frames;
  std::size_t end = 0;
  std::size_t size = 0;
  if (auto ok = read_frames_of(snapshot_path, frames, end, size); !ok)
    return ok.error();
  if (size > 0) {
    if (frames.size() != 1 || end != size || frames.front().size() < 8)
      return failure{snapshot_path + " is damaged: it should hold one whole record"};
    covered = decode_u64(frames.front());
    found.snapshot = frames.front().substr(8);
  }
  frames.clear();
  if (auto ok = read_frames_of(log_path, frames, end, size); !ok)
    return ok.error();
  if (!frames.empty() && frames.front().size() != 8)
    return failure{log_path + " is damaged: it does not start with its number"};
  auto generation = frames.empty() ? 0 : decode_u64(frames.front());
  if (generation <= covered) {
    // No log, a log torn before its number landed, or one the snapshot
    // holds already (a crash in the middle of `compact`): start the next.
    generation = covered + 1;
    if (auto ok = replace_file(directory, log_path, frame(encode_u64(generation))); !ok)
      return ok.error();
    frames.clear();
    end = size = 0;
  }
  found.records.assign(frames.size() > 1 ? frames.begin() + 1 : frames.end(),
                       frames.end());
  found.dropped_bytes = size - end;
  auto fd = open_for_append(log_path);
  if (!fd)
    return fd.error();
  record_log log(directory, *fd, found.records.size(), generation);
  if (found.dropped_bytes > 0 && ::ftruncate(*fd, static_cast<off_t>(end)) != 0)
    return system_failure("cannot cut the torn end off", log_path);
  if (auto ok = sync_directory(directory); !ok)
    return ok.error();
  return log;
}

expected<void> record_log::append(std::string_view record) {
  if (auto ok = write(record); !ok)
    return ok;
  return sync();
}

expected<void> record_log::write(std::string_view record) {
  if (auto ok = write_all(fd_, frame(record), directory_ + "/log"); !ok)
    return ok;
  ++since_snapshot_;
  unsynced_ = true;
  return {};
}

expected<void> record_log::sync() {
  if (!unsynced_)
    return {};
  if (::fdatasync(fd_) != 0)
    return system_failure("cannot flush", directory_ + "/log");
  unsynced_ = false;
  return {};
}

expected<void> record_log::compact(std::string_view snapshot) {
  auto log_path = directory_ + "/log";
  auto held = encode_u64(generation_);
  held.append(snapshot);
  if (auto ok = replace_file(directory_, directory_ + "/snapshot", frame(held)); !ok)
    return ok;
  // A crash from here on leaves the new snapshot with the old log, whose
  // number says the snapshot holds it.
  if (auto ok = replace_file(directory_, log_path, frame(encode_u64(generation_ + 1)));
      !ok)
    return ok;
  auto fd = open_for_append(log_path);
  if (!fd)
    return fd.error();
  ::close(fd_);
  fd_ = *fd;
  ++generation_;
  since_snapshot_ = 0;
  unsynced_ = false;  // the snapshot, flushed, holds it all
  return {};
}

}  // namespace mensa::runtime
