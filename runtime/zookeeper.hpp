#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/expected.hpp"

typedef struct _zhandle zhandle_t;

namespace mensa::runtime {

/// Where a ZooKeeper ensemble keeps something, as users write it:
/// `zk://HOST:PORT[,HOST:PORT...]/PATH`.
struct zookeeper_url {
  /// The servers, `HOST:PORT[,HOST:PORT...]`.
  std::string servers;
  /// The znode under which everything is kept, e.g. `/mensa`.
  std::string path;

  /// Parses `text`; fails with a message that quotes it.
  static expected<zookeeper_url> parse(std::string_view text);

  /// Returns whether `text` names a ZooKeeper URL (starts with `zk://`).
  static bool names_one(std::string_view text) noexcept;

  /// Returns the URL as users write it.
  std::string str() const { return "zk://" + servers + path; }
};

/// One ZooKeeper session through libzookeeper-mt. Calls block their caller
/// until the server answers (or the connection is lost) and are safe from
/// any thread but the library's own: `on_change`, which runs there, must
/// only wake whoever makes the calls.
///
/// `on_change` is called when the session connects, disconnects or
/// expires, and when a watch set by `children` or `get` fires; what
/// changed is for the caller to read again. An expired session stays
/// expired: make a new one.
class zookeeper_session {
 public:
  /// The session's state, as the library last reported it.
  enum class state { connecting, connected, expired };

  zookeeper_session(const zookeeper_session&) = delete;
  zookeeper_session& operator=(const zookeeper_session&) = delete;
  ~zookeeper_session();

  /// Starts a session with `servers` (connecting goes on in the
  /// background). Fails only if the library refuses the arguments.
  static expected<std::unique_ptr<zookeeper_session>> start(
      const std::string& servers, std::chrono::milliseconds session_timeout,
      std::function<void()> on_change);

  /// Stops calling `on_change` (whose target is going away); the session
  /// itself goes on for whoever still holds it.
  void detach();

  /// Returns the state.
  state current() const noexcept { return state_.load(); }

  /// Waits up to `timeout` for the session to connect; returns whether it is.
  bool wait_connected(std::chrono::milliseconds timeout);

  /// Returns the session timeout the server granted (the one asked for
  /// until it connected).
  std::chrono::milliseconds session_timeout() const;

  /// Creates `path` and every missing znode above it, empty and
  /// persistent; succeeds if it is there already.
  expected<void> create_path(const std::string& path);

  /// Creates `path` holding `data`; `ephemeral` ends it with the session,
  /// `sequential` appends a 10-digit sequence number. Returns the path
  /// created.
  expected<std::string> create(const std::string& path, std::string_view data,
                               bool ephemeral, bool sequential);

  /// Returns the names of `path`'s children (empty if `path` is missing);
  /// `watch` asks for `on_change` when they change (or `path` appears).
  expected<std::vector<std::string>> children(const std::string& path, bool watch);

  /// Returns the data of `path`, or nothing if it is missing; `watch` asks
  /// for `on_change` when it changes or goes.
  expected<std::optional<std::string>> get(const std::string& path, bool watch);

  /// Removes `path`; succeeds if it is missing.
  expected<void> remove(const std::string& path);

  /// One write of a `fenced` batch.
  struct write {
    enum class kind { create_sequential, create, remove } what;
    std::string path;
    std::string data;
  };

  /// Carries out `writes` atomically, and only if the znode `fence` still
  /// exists: how a leader writes only while it leads (its ephemeral znode
  /// goes with its session). Returns the paths created, in order.
  expected<std::vector<std::string>> fenced(const std::string& fence,
                                            const std::vector<write>& writes);

 private:
  explicit zookeeper_session(std::function<void()> on_change);
  static void watcher(zhandle_t* handle, int type, int state, const char* path,
                      void* context);
  failure error(const std::string& what, const std::string& path, int code) const;

  zhandle_t* handle_ = nullptr;
  std::function<void()> on_change_;
  std::atomic<state> state_{state::connecting};
  std::mutex mutex_;
  std::condition_variable connected_;
};

/// The largest data mensa puts in one znode: half of ZooKeeper's default
/// limit (`jute.maxbuffer`, 1 MiB), which also bounds a whole request.
inline constexpr std::size_t zookeeper_max_data = 512 * 1024;

}  // namespace mensa::runtime
