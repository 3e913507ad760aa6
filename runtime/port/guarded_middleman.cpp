#include "runtime/port/guarded_middleman.hpp"

#include "caf/binary_serializer.hpp"
#include "caf/io/basp_broker.hpp"
#include "caf/io/middleman.hpp"
#include "caf/io/middleman_actor_impl.hpp"
#include "caf/io/network/default_multiplexer.hpp"
#include "caf/io/network/native_socket.hpp"
#include "runtime/port/guarded_doorman.hpp"
#include "runtime/port/guarded_scribe.hpp"

namespace mensa::runtime::port {

namespace {

class guarded_middleman_actor final : public caf::io::middleman_actor_impl {
 public:
  guarded_middleman_actor(caf::actor_config& cfg, caf::actor broker,
                          std::shared_ptr<port_guard> guard)
      : caf::io::middleman_actor_impl(cfg, std::move(broker)),
        guard_(std::move(guard)) {
    // nop
  }

  const char* name() const override { return "mensa.guarded_middleman"; }

 protected:
  caf::expected<caf::io::scribe_ptr> connect(const std::string& host,
                                             uint16_t port) override {
    auto fd = caf::io::network::new_tcp_connection(host, port);
    if (!fd)
      return std::move(fd.error());
    caf::io::network::nonblocking(*fd, true);
    std::unique_ptr<tls_session> tls;
    if (auto* context = guard_->tls()) {
      auto session = context->connect(*fd);
      if (!session) {
        caf::io::network::close_socket(*fd);
        return caf::make_error(caf::sec::cannot_connect_to_node,
                               session.error().message);
      }
      tls = std::move(*session);
    }
    auto ticket = guard_->unidentified().watch(*fd);
    return caf::io::scribe_ptr(caf::make_counted<guarded_scribe>(
        mpx(), *fd, guarded_scribe::side::connected, guard_, std::move(tls),
        std::move(ticket), nullptr));
  }

  caf::expected<caf::io::doorman_ptr> open(uint16_t port, const char* addr,
                                           bool reuse) override {
    auto fd = caf::io::network::new_tcp_acceptor_impl(port, addr, reuse);
    if (!fd)
      return std::move(fd.error());
    return caf::io::doorman_ptr(caf::make_counted<guarded_doorman>(mpx(), *fd, guard_));
  }

 private:
  caf::io::network::default_multiplexer& mpx() {
    return static_cast<caf::io::network::default_multiplexer&>(
        system().middleman().backend());
  }

  std::shared_ptr<port_guard> guard_;
};

}  // namespace

caf::io::middleman_actor spawn_guarded_middleman(caf::actor_system& sys,
                                                 std::shared_ptr<port_guard> guard) {
  std::vector<char> node;
  caf::binary_serializer sink{sys, node};
  static_cast<void>(sink(const_cast<caf::node_id&>(sys.node())));
  guard->set_local_node(std::string(node.begin(), node.end()));
  auto broker = sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  // Connecting blocks (as in CAF's own middleman actor): on a thread of its own.
  return sys.spawn<guarded_middleman_actor, caf::detached + caf::hidden>(
      std::move(broker), std::move(guard));
}

}  // namespace mensa::runtime::port
