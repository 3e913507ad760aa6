#include "runtime/network_transport.hpp"

#include <set>
#include <string>

#include "caf/event_based_actor.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "runtime/atoms.hpp"
#include "runtime/port/guarded_middleman.hpp"
#include "runtime/port/port_guard.hpp"

namespace mensa::runtime {

network_transport::network_transport(caf::actor_system& sys,
                                     std::shared_ptr<port::port_guard> guard,
                                     caf::timespan timeout)
    : system_(sys),
      guard_(std::move(guard)),
      middleman_(port::spawn_guarded_middleman(sys, guard_)),
      timeout_(timeout) {
  // nop
}

network_transport::~network_transport() {
  // No deadline fires into a network thread that is going away.
  guard_->stop();
  caf::anon_send_exit(middleman_, caf::exit_reason::user_shutdown);
}

expected<uint16_t> network_transport::listen(const caf::actor& directory,
                                             const std::string& ip, uint16_t port) {
  expected<uint16_t> result = failure{"no answer"};
  caf::scoped_actor self{system_};
  self->request(middleman_, caf::infinite, caf::publish_atom::value, port,
                caf::actor_cast<caf::strong_actor_ptr>(directory),
                std::set<std::string>{}, ip, true)
      .receive([&](uint16_t bound) { result = bound; },
               [&](const caf::error& err) {
                 result = failure{"cannot listen on " + make_endpoint(ip, port) + ": " +
                                  system_.render(err)};
               });
  return result;
}

void network_transport::resolve(caf::event_based_actor* self, const address& to,
                                resolve_callback done) {
  auto host = std::string(to.host());
  auto name = std::string(to.name());
  auto endpoint = std::string(to.endpoint());
  auto timeout = timeout_;
  auto* sys = &system_;
  self->request(middleman_, timeout, caf::connect_atom::value, host, to.port())
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
