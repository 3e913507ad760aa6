#pragma once

#include <memory>
#include <string>

#include "caf/io/doorman.hpp"
#include "caf/io/network/acceptor_impl.hpp"
#include "caf/io/network/default_multiplexer.hpp"
#include "runtime/port/port_guard.hpp"

namespace mensa::runtime::port {

class guarded_doorman;
class guarded_scribe;

/// How a guarded doorman accepts: like CAF's TCP policy, except that a
/// process out of file descriptors sheds the waiting connection (through
/// the guard's spare descriptor) instead of leaving it to wake the event
/// loop again and again.
struct guarded_accept {
  guarded_doorman* doorman = nullptr;

  bool try_accept(caf::io::network::native_socket& result,
                  caf::io::network::native_socket fd);
};

/// The listening socket of a node's port, as CAF's BASP broker sees it (a
/// doorman). It accepts each connection into a guarded scribe, counted
/// among the unidentified connections, and hands it to the broker only once
/// its first frame is a client handshake (`attach`).
///
/// Lives on the node's network thread, like every CAF doorman.
class guarded_doorman final : public caf::io::doorman {
 public:
  /// Takes over the listening socket `fd`.
  guarded_doorman(caf::io::network::default_multiplexer& mpx,
                  caf::io::network::native_socket fd,
                  std::shared_ptr<port_guard> guard);

  ~guarded_doorman() override;

  /// Gives the broker the accepted connection `scribe`, which has shown
  /// itself to speak the actor protocol: the broker answers with its own
  /// handshake. Returns false when the doorman is closed.
  bool attach(caf::execution_unit* ctx, guarded_scribe* scribe);

  bool new_connection() override;
  void graceful_shutdown() override;
  void launch() override;
  std::string addr() const override;
  uint16_t port() const override;
  void add_to_loop() override;
  void remove_from_loop() override;

  /// Returns the guard.
  port_guard& guard() noexcept { return *guard_; }

 private:
  std::shared_ptr<port_guard> guard_;
  caf::io::network::acceptor_impl<guarded_accept> acceptor_;
};

}  // namespace mensa::runtime::port
