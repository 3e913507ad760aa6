#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "caf/actor.hpp"
#include "caf/actor_addr.hpp"
#include "runtime/node.hpp"
#include "runtime/transport.hpp"

namespace mensa::runtime::testing {

/// The network between the harness's nodes, in memory: what CAF's
/// middleman and TCP are between real nodes. Every message that crosses it
/// is serialized by the sending node's actor system and deserialized by the
/// receiving one, exactly as on a socket, so a type or an envelope that
/// would not survive the wire fails here too.
///
/// A message to a process on another node goes through a *link*, an actor
/// in the sending node standing in for the remote process (as a CAF proxy
/// does): it is where a message waits "on the wire", so the harness's
/// scheduler decides when it arrives. A link ends, as a proxy would, when
/// its target exits (with the target's reason) or when the network between
/// the two nodes is cut (with `remote_link_unreachable`).
class simulated_network {
 public:
  simulated_network() = default;
  simulated_network(const simulated_network&) = delete;
  simulated_network& operator=(const simulated_network&) = delete;

  /// Makes the transport of `n`; `n` becomes reachable at its endpoint
  /// when it listens.
  std::unique_ptr<transport> make_transport(node& n);

  /// Cuts the network between two endpoints: links between them end with
  /// `remote_link_unreachable`, with the messages still on them, and new
  /// connections fail until `heal`.
  void partition(const std::string& a, const std::string& b);

  /// Restores the network between two endpoints.
  void heal(const std::string& a, const std::string& b);

  /// Returns whether two endpoints can reach each other.
  bool connected(const std::string& a, const std::string& b) const;

  /// Ends every link from or to `endpoint`, as when its node's process dies,
  /// and forgets the node.
  void disconnect(const std::string& endpoint);

  /// Ends every link (the harness calls it before stopping nodes).
  void shutdown();

  /// Returns how many messages crossed the network.
  uint64_t messages_carried() const noexcept { return carried_; }

  /// Returns how many bytes crossed the network.
  uint64_t bytes_carried() const noexcept { return bytes_; }

 private:
  class simulated_transport;

  struct link_record {
    std::string from;
    std::string to;
    caf::actor_addr target;
    caf::actor_addr link;
  };

  expected<caf::actor> connect(node& from, const address& to);
  void cut(const std::string& a, const std::string& b);
  void count(std::size_t bytes) noexcept {
    ++carried_;
    bytes_ += bytes;
  }

  std::map<std::string, node*> nodes_;
  std::set<std::pair<std::string, std::string>> partitions_;
  std::vector<link_record> links_;
  uint64_t carried_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace mensa::runtime::testing
