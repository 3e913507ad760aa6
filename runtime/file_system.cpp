#include "runtime/file_system.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace mensa::runtime {

namespace {

failure system_failure(const std::string& what, const std::string& path) {
  return {what + " " + path + ": " + std::strerror(errno)};
}

class posix_file_system final : public file_system {
 public:
  expected<void> create_directories(const std::string& directory) override {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error)
      return failure{"cannot create " + directory + ": " + error.message()};
    return {};
  }

  bool exists(const std::string& path) override {
    return std::filesystem::exists(path);
  }

  expected<std::string> read(const std::string& path) override {
    std::ifstream in(path, std::ios::binary);
    if (!in)
      return system_failure("cannot read", path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  expected<handle> open_for_append(const std::string& path, bool create) override {
    auto flags = O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0);
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0)
      return system_failure(create ? "cannot create" : "cannot open", path);
    return fd;
  }

  expected<void> append(handle file, std::string_view bytes) override {
    while (!bytes.empty()) {
      auto n = ::write(file, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return system_failure("cannot write", path_of(file));
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
  }

  expected<void> sync(handle file) override {
    if (::fdatasync(file) != 0)
      return system_failure("cannot flush", path_of(file));
    return {};
  }

  expected<void> truncate(handle file, std::size_t size) override {
    if (::ftruncate(file, static_cast<off_t>(size)) != 0)
      return system_failure("cannot cut", path_of(file));
    return {};
  }

  void close(handle file) override { ::close(file); }

  expected<void> rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0)
      return system_failure("cannot rename " + from + " to", to);
    return {};
  }

  expected<void> sync_directory(const std::string& directory) override {
    int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return system_failure("cannot open", directory);
    auto ok = ::fsync(fd) == 0;
    ::close(fd);
    if (!ok)
      return system_failure("cannot flush", directory);
    return {};
  }

 private:
  // The path of an open file, for messages.
  static std::string path_of(handle file) {
    std::error_code error;
    auto path =
        std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(file), error);
    return error ? "file " + std::to_string(file) : path.string();
  }
};

}  // namespace

file_system& real_file_system() {
  static posix_file_system fs;
  return fs;
}

}  // namespace mensa::runtime
