#include "runtime/network_transport.hpp"

#include <set>
#include <string>

#include "caf/event_based_actor.hpp"
#include "caf/io/middleman.hpp"
#include "caf/openssl/manager.hpp"
#include "caf/openssl/publish.hpp"
#include "runtime/atoms.hpp"

namespace mensa::runtime {

network_transport::network_transport(caf::actor_system& sys, bool tls,
                                     caf::timespan timeout)
    : system_(sys), tls_(tls), timeout_(timeout) {
  // nop
}

expected<uint16_t> network_transport::listen(const caf::actor& directory,
                                             const std::string& ip, uint16_t port) {
  auto bound = tls_ ? caf::openssl::publish(directory, port, ip.c_str(), true)
                    : system_.middleman().publish(directory, port, ip.c_str(), true);
  if (!bound)
    return failure{"cannot listen on " + make_endpoint(ip, port) + ": " +
                   system_.render(bound.error())};
  return *bound;
}

void network_transport::resolve(caf::event_based_actor* self, const address& to,
                                resolve_callback done) {
  auto manager = tls_ ? system_.openssl_manager().actor_handle()
                      : system_.middleman().actor_handle();
  auto host = std::string(to.host());
  auto name = std::string(to.name());
  auto endpoint = std::string(to.endpoint());
  auto timeout = timeout_;
  auto* sys = &system_;
  self->request(manager, timeout, caf::connect_atom::value, host, to.port())
      .then(
          [=](const caf::node_id&, const caf::strong_actor_ptr& directory,
              const std::set<std::string>&) {
            if (!directory) {
              done(failure{"no mensa node listens at " + endpoint});
              return;
            }
            self->request(caf::actor_cast<caf::actor>(directory), timeout,
                          lookup_atom::value, name)
                .then(
                    [=](const caf::actor& found) {
                      if (found)
                        done(found);
                      else
                        done(failure{"node " + endpoint + " has no process named '" +
                                     name + "'"});
                    },
                    [=](const caf::error& err) {
                      done(failure{"cannot look up '" + name + "' at " + endpoint +
                                   ": " + sys->render(err)});
                    });
          },
          [=](const caf::error& err) {
            done(failure{"cannot connect to " + endpoint + ": " + sys->render(err)});
          });
}

}  // namespace mensa::runtime
