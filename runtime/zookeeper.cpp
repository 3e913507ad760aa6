#include "runtime/zookeeper.hpp"

#include <zookeeper/zookeeper.h>

#include <algorithm>

#include "runtime/address.hpp"
#include "runtime/log.hpp"
#include "runtime/node_config.hpp"

namespace mensa::runtime {

namespace {

// The library's own lines (connection attempts and the like) are detail:
// what matters to an operator, mensa logs itself.
void library_log(const char* message) {
  log(log_level::debug, "zookeeper", message);
}

/// A buffer for the path ZooKeeper gives a created znode: `path` and a
/// sequence number, with room to spare.
std::string path_buffer(const std::string& path) {
  return std::string(path.size() + 16, '\0');
}

/// The path the library wrote into `buffer`.
std::string created_path(const std::string& buffer) {
  return buffer.substr(0, buffer.find('\0'));
}

}  // namespace

expected<zookeeper_url> zookeeper_url::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return failure{"invalid ZooKeeper URL '" + std::string(text) + "': " + why +
                   " (expected zk://HOST:PORT[,HOST:PORT...]/PATH)"};
  };
  if (!names_one(text))
    return bad("it does not start with zk://");
  auto rest = text.substr(5);
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size())
    return bad("it names no path");
  zookeeper_url url;
  url.servers = std::string(rest.substr(0, slash));
  url.path = std::string(rest.substr(slash));
  if (url.servers.empty())
    return bad("it names no server");
  auto servers = split_list(url.servers);
  if (servers.size() != static_cast<std::size_t>(
                            std::count(url.servers.begin(), url.servers.end(), ',')) +
                            1)
    return bad("it names an empty server");
  for (auto& server : servers)
    if (!address::parse("zookeeper@" + server))
      return bad("'" + server + "' is not HOST:PORT");
  if (url.path.back() == '/')
    url.path.pop_back();
  if (url.path.find("//") != std::string::npos)
    return bad("its path has an empty part");
  return url;
}

bool zookeeper_url::names_one(std::string_view text) noexcept {
  return text.substr(0, 5) == "zk://";
}

zookeeper_session::zookeeper_session(std::function<void()> on_change)
    : on_change_(std::move(on_change)) {}

zookeeper_session::~zookeeper_session() {
  if (handle_ != nullptr)
    zookeeper_close(handle_);
}

expected<std::unique_ptr<zookeeper_session>> zookeeper_session::start(
    const std::string& servers, std::chrono::milliseconds session_timeout,
    std::function<void()> on_change) {
  zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
  std::unique_ptr<zookeeper_session> session(
      new zookeeper_session(std::move(on_change)));
  session->handle_ = zookeeper_init2(servers.c_str(), &zookeeper_session::watcher,
                                     static_cast<int>(session_timeout.count()), nullptr,
                                     session.get(), 0, &library_log);
  if (session->handle_ == nullptr)
    return failure{"cannot start a ZooKeeper session with " + servers + ": " +
                   zerror(errno)};
  return session;
}

void zookeeper_session::watcher(zhandle_t*, int type, int state, const char*,
                                void* context) {
  auto* self = static_cast<zookeeper_session*>(context);
  if (type == ZOO_SESSION_EVENT) {
    auto now = state == ZOO_CONNECTED_STATE         ? state::connected
               : state == ZOO_EXPIRED_SESSION_STATE ? state::expired
                                                    : state::connecting;
    // Expiry is for good.
    if (self->state_.load() != state::expired) {
      std::lock_guard<std::mutex> guard(self->mutex_);
      self->state_ = now;
    }
    self->connected_.notify_all();
  }
  std::lock_guard<std::mutex> guard(self->mutex_);
  if (self->on_change_)
    self->on_change_();
}

void zookeeper_session::detach() {
  std::lock_guard<std::mutex> guard(mutex_);
  on_change_ = nullptr;
}

bool zookeeper_session::wait_connected(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return connected_.wait_for(lock, timeout, [this] {
    return state_.load() != state::connecting;
  }) && state_.load() == state::connected;
}

std::chrono::milliseconds zookeeper_session::session_timeout() const {
  return std::chrono::milliseconds(zoo_recv_timeout(handle_));
}

failure zookeeper_session::error(const std::string& what, const std::string& path,
                                 int code) const {
  return failure{"ZooKeeper: cannot " + what + " " + path + ": " + zerror(code)};
}

expected<void> zookeeper_session::create_path(const std::string& path) {
  for (auto slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    auto prefix = path.substr(0, slash);
    auto code = zoo_create(handle_, prefix.c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE,
                           ZOO_PERSISTENT, nullptr, 0);
    if (code != ZOK && code != ZNODEEXISTS)
      return error("create", prefix, code);
    if (slash == std::string::npos)
      return {};
  }
}

expected<std::string> zookeeper_session::create(const std::string& path,
                                                std::string_view data, bool ephemeral,
                                                bool sequential) {
  int flags = ephemeral ? (sequential ? ZOO_EPHEMERAL_SEQUENTIAL : ZOO_EPHEMERAL)
                        : (sequential ? ZOO_PERSISTENT_SEQUENTIAL : ZOO_PERSISTENT);
  auto created = path_buffer(path);
  auto code = zoo_create(handle_, path.c_str(), data.data(),
                         static_cast<int>(data.size()), &ZOO_OPEN_ACL_UNSAFE, flags,
                         created.data(), static_cast<int>(created.size()));
  if (code != ZOK)
    return error("create", path, code);
  return created_path(created);
}

expected<std::vector<std::string>> zookeeper_session::children(const std::string& path,
                                                               bool watch) {
  String_vector names{};
  auto code = zoo_get_children(handle_, path.c_str(), watch ? 1 : 0, &names);
  if (code == ZNONODE) {
    // Watch for it to appear instead.
    Stat stat{};
    code = zoo_exists(handle_, path.c_str(), watch ? 1 : 0, &stat);
    if (code == ZNONODE)
      return std::vector<std::string>{};
    if (code != ZOK)
      return error("watch", path, code);
    return children(path, watch);
  }
  if (code != ZOK)
    return error("list", path, code);
  std::vector<std::string> result(names.data, names.data + names.count);
  deallocate_String_vector(&names);
  return result;
}

expected<std::optional<std::string>> zookeeper_session::get(const std::string& path,
                                                            bool watch) {
  std::string data(zookeeper_max_data * 2, '\0');
  int length = static_cast<int>(data.size());
  Stat stat{};
  auto code =
      zoo_get(handle_, path.c_str(), watch ? 1 : 0, data.data(), &length, &stat);
  if (code == ZNONODE)
    return std::optional<std::string>{};
  if (code != ZOK)
    return error("read", path, code);
  data.resize(length < 0 ? 0 : static_cast<std::size_t>(length));
  return std::optional<std::string>{std::move(data)};
}

expected<void> zookeeper_session::remove(const std::string& path) {
  auto code = zoo_delete(handle_, path.c_str(), -1);
  if (code != ZOK && code != ZNONODE)
    return error("remove", path, code);
  return {};
}

expected<std::vector<std::string>> zookeeper_session::fenced(
    const std::string& fence, const std::vector<write>& writes) {
  std::vector<zoo_op_t> ops(writes.size() + 1);
  std::vector<zoo_op_result_t> results(ops.size());
  std::vector<std::string> created(writes.size());
  zoo_check_op_init(&ops[0], fence.c_str(), -1);
  for (std::size_t i = 0; i < writes.size(); ++i) {
    auto& w = writes[i];
    auto& op = ops[i + 1];
    if (w.what == write::kind::remove) {
      zoo_delete_op_init(&op, w.path.c_str(), -1);
      continue;
    }
    created[i] = path_buffer(w.path);
    zoo_create_op_init(&op, w.path.c_str(), w.data.data(),
                       static_cast<int>(w.data.size()), &ZOO_OPEN_ACL_UNSAFE,
                       w.what == write::kind::create_sequential
                           ? ZOO_PERSISTENT_SEQUENTIAL
                           : ZOO_PERSISTENT,
                       created[i].data(), static_cast<int>(created[i].size()));
  }
  auto code =
      zoo_multi(handle_, static_cast<int>(ops.size()), ops.data(), results.data());
  if (code != ZOK) {
    if (results[0].err == ZNONODE)
      return failure{"ZooKeeper: " + fence + " is gone: this process no longer leads"};
    for (std::size_t i = 0; i < writes.size(); ++i)
      if (results[i + 1].err != ZOK && results[i + 1].err != ZRUNTIMEINCONSISTENCY)
        return error(writes[i].what == write::kind::remove ? "remove" : "create",
                     writes[i].path, results[i + 1].err);
    return error("write under", fence, code);
  }
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < writes.size(); ++i)
    if (writes[i].what != write::kind::remove)
      paths.push_back(created_path(created[i]));
  return paths;
}

}  // namespace mensa::runtime
