#pragma once

#include <memory>
#include <set>
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
/// the guard's spare descriptor), and an accept that keeps failing pauses
/// the doorman for a moment, instead of leaving the connection to wake the
/// event loop again and again.
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

  /// Forgets `scribe`, an accepted connection that ends before it was
  /// attached.
  void forget(guarded_scribe* scribe) noexcept { unattached_.erase(scribe); }

  /// Stops accepting for a moment (accepting fails, the connection stays).
  void pause_accepting();

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
  void resume_accepting();

  std::shared_ptr<port_guard> guard_;
  caf::io::network::acceptor_impl<guarded_accept> acceptor_;
  // Accepted connections no broker owns yet: closed with the doorman.
  std::set<guarded_scribe*> unattached_;
  // Points to this doorman while it lives (a resume posted from the
  // deadline thread checks it on the network thread).
  std::shared_ptr<guarded_doorman*> alive_;
  bool paused_ = false;
  deadline_thread::id resume_ = 0;
};

}  // namespace mensa::runtime::port
