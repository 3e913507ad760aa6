#include "runtime/testing/simulated_network.hpp"

#include <algorithm>
#include <vector>

#include "caf/binary_deserializer.hpp"
#include "caf/binary_serializer.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/mailbox_element.hpp"
#include "caf/stateful_actor.hpp"
#include "runtime/atoms.hpp"
#include "runtime/envelope.hpp"
#include "runtime/envelope_batch.hpp"
#include "runtime/log.hpp"

namespace mensa::runtime::testing {

namespace {

std::pair<std::string, std::string> ordered(const std::string& a,
                                            const std::string& b) {
  return a < b ? std::make_pair(a, b) : std::make_pair(b, a);
}

struct link_state {
  caf::actor target;
  std::function<void(std::size_t)> count;
  static inline const char* name = "simulated_link";
};

// Serializes `outgoing` in the sending actor system and deserializes it in
// the target's, then hands it over anonymously (the envelopes name their
// sender), as BASP would.
void carry(caf::stateful_actor<link_state>* self, const caf::message& outgoing) {
  std::vector<char> wire;
  caf::binary_serializer sink(self->system(), wire);
  if (auto err = sink(const_cast<caf::message&>(outgoing))) {
    log(log_level::error, "simulated network",
        "cannot serialize a message: " + self->system().render(err));
    return;
  }
  auto& target = self->state.target;
  caf::binary_deserializer source(target.home_system(), wire);
  caf::message incoming;
  if (auto err = source(incoming)) {
    log(log_level::error, "simulated network",
        "cannot deserialize a message: " + target.home_system().render(err));
    return;
  }
  self->state.count(wire.size());
  // No execution unit: the target is scheduled by its own node.
  caf::actor_cast<caf::abstract_actor*>(target)->enqueue(
      caf::make_mailbox_element(nullptr, caf::make_message_id(), {},
                                std::move(incoming)),
      nullptr);
}

// Carries envelopes (one by one or batched) to one process on another node.
caf::behavior simulated_link(caf::stateful_actor<link_state>* self, caf::actor target,
                             std::function<void(std::size_t)> count) {
  self->state.target = std::move(target);
  self->state.count = std::move(count);
  return {
      [self](const envelope& e) { carry(self, caf::make_message(e)); },
      [self](const envelope_batch& batch) { carry(self, caf::make_message(batch)); },
      [self](link_down_atom, const caf::error& reason) { self->quit(reason); },
  };
}

}  // namespace

class simulated_network::simulated_transport : public transport {
 public:
  simulated_transport(simulated_network& network, node& owner)
      : network_(network), node_(owner) {
    // nop
  }

  ~simulated_transport() override {
    if (!endpoint_.empty())
      network_.disconnect(endpoint_);
  }

  expected<uint16_t> listen(const caf::actor&, const std::string&,
                            uint16_t port) override {
    if (port == 0)
      return failure{"simulated nodes need a fixed port"};
    auto endpoint = make_endpoint(node_.config().advertised_ip(), port);
    if (network_.nodes_.count(endpoint) > 0)
      return failure{"cannot listen on " + endpoint + ": already in use"};
    endpoint_ = endpoint;
    network_.nodes_[endpoint_] = &node_;
    return port;
  }

  void resolve(caf::event_based_actor*, const address& to,
               resolve_callback done) override {
    done(network_.connect(node_, to));
  }

 private:
  simulated_network& network_;
  node& node_;
  std::string endpoint_;
};

std::unique_ptr<transport> simulated_network::make_transport(node& n) {
  return std::make_unique<simulated_transport>(*this, n);
}

expected<caf::actor> simulated_network::connect(node& from, const address& to) {
  auto endpoint = std::string(to.endpoint());
  auto i = nodes_.find(endpoint);
  if (i == nodes_.end())
    return failure{"cannot connect to " + endpoint + ": no node listens there"};
  if (!connected(from.endpoint(), endpoint))
    return failure{"cannot connect to " + endpoint + ": the network is partitioned"};
  auto target = i->second->find(to.name());
  if (!target)
    return failure{"node " + endpoint + " has no process named '" +
                   std::string(to.name()) + "'"};
  links_.erase(std::remove_if(links_.begin(), links_.end(),
                              [](const link_record& r) {
                                return !caf::actor_cast<caf::actor>(r.link);
                              }),
               links_.end());
  // Actors of different harness nodes may share an ID (and CAF gives nodes
  // without a middleman no node ID), so identity is the control block.
  auto* target_block = caf::actor_cast<caf::actor_control_block*>(target);
  for (auto& record : links_)
    if (record.from == from.endpoint() &&
        caf::actor_cast<caf::actor_control_block*>(record.target) == target_block)
      if (auto live = caf::actor_cast<caf::actor>(record.link))
        return live;
  auto link =
      from.system().spawn(simulated_link, target, [this](std::size_t n) { count(n); });
  target->attach_functor([weak = link.address()](const caf::error& reason) {
    if (auto live = caf::actor_cast<caf::actor>(weak))
      caf::anon_send(live, link_down_atom::value, reason);
  });
  links_.push_back(
      link_record{from.endpoint(), endpoint, target.address(), link.address()});
  return link;
}

void simulated_network::partition(const std::string& a, const std::string& b) {
  partitions_.insert(ordered(a, b));
  cut(a, b);
}

void simulated_network::heal(const std::string& a, const std::string& b) {
  partitions_.erase(ordered(a, b));
}

bool simulated_network::connected(const std::string& a, const std::string& b) const {
  return partitions_.count(ordered(a, b)) == 0;
}

void simulated_network::cut(const std::string& a, const std::string& b) {
  auto between = [&](const link_record& r) {
    return (r.from == a && r.to == b) || (r.from == b && r.to == a);
  };
  for (auto& record : links_)
    if (between(record))
      if (auto live = caf::actor_cast<caf::actor>(record.link))
        caf::anon_send_exit(live, caf::exit_reason::remote_link_unreachable);
  links_.erase(std::remove_if(links_.begin(), links_.end(), between), links_.end());
}

void simulated_network::disconnect(const std::string& endpoint) {
  for (auto& record : links_)
    if (record.from == endpoint || record.to == endpoint)
      if (auto live = caf::actor_cast<caf::actor>(record.link))
        caf::anon_send_exit(live, caf::exit_reason::remote_link_unreachable);
  links_.erase(std::remove_if(links_.begin(), links_.end(),
                              [&](const link_record& r) {
                                return r.from == endpoint || r.to == endpoint;
                              }),
               links_.end());
  nodes_.erase(endpoint);
}

void simulated_network::shutdown() {
  for (auto& record : links_)
    if (auto live = caf::actor_cast<caf::actor>(record.link))
      caf::anon_send_exit(live, caf::exit_reason::user_shutdown);
  links_.clear();
}

}  // namespace mensa::runtime::testing
