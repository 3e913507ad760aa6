#include "runtime/port/guarded_doorman.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "caf/io/abstract_broker.hpp"
#include "runtime/port/guarded_scribe.hpp"

namespace mensa::runtime::port {

using caf::io::network::invalid_native_socket;
using caf::io::network::native_socket;

bool guarded_accept::try_accept(native_socket& result, native_socket fd) {
  result = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (result != invalid_native_socket)
    return true;
  switch (errno) {
    case EAGAIN:
    case EINTR:
    case ECONNABORTED:
      // Nothing to take, or the connection went: nothing waits.
      return false;
    case EMFILE:
    case ENFILE:
      if (doorman->guard().shed_connection(fd))
        return false;
      [[fallthrough]];
    default:
      // The connection still waits, and would wake the loop again at once.
      doorman->pause_accepting();
      return false;
  }
}

guarded_doorman::guarded_doorman(caf::io::network::default_multiplexer& mpx,
                                 native_socket fd, std::shared_ptr<port_guard> guard)
    : caf::io::doorman(caf::io::network::accept_hdl_from_socket(fd)),
      guard_(std::move(guard)),
      acceptor_(mpx, fd, guarded_accept{this}),
      alive_(std::make_shared<guarded_doorman*>(this)) {
  // nop
}

guarded_doorman::~guarded_doorman() {
  *alive_ = nullptr;
  guard_->clock().cancel(resume_);
}

void guarded_doorman::pause_accepting() {
  if (paused_)
    return;
  paused_ = true;
  acceptor_.passivate();
  auto* mpx = &acceptor_.backend();
  auto alive = alive_;
  resume_ = guard_->clock().after(std::chrono::milliseconds(100), [mpx, alive] {
    mpx->post([alive] {
      if (*alive != nullptr)
        (*alive)->resume_accepting();
    });
  });
}

void guarded_doorman::resume_accepting() {
  paused_ = false;
  resume_ = 0;
  if (!detached())
    acceptor_.activate(this);
}

bool guarded_doorman::new_connection() {
  auto fd = acceptor_.accepted_socket();
  if (detached()) {
    // Closed while the event loop still held this connection.
    ::close(fd);
    return false;
  }
  auto ticket = guard_->unidentified().admit(fd);
  std::unique_ptr<tls_session> tls;
  if (auto* context = guard_->tls()) {
    auto session = context->accept(fd);
    if (!session) {
      ticket = {};
      ::close(fd);
      guard_->refused(refusal::bad_handshake, "", session.error().message);
      return true;
    }
    tls = std::move(*session);
  }
  auto& mpx = acceptor_.backend();
  auto scribe = caf::make_counted<guarded_scribe>(
      mpx, fd, guarded_scribe::side::accepted, guard_, std::move(tls),
      std::move(ticket), caf::intrusive_ptr<guarded_doorman>(this));
  unattached_.insert(scribe.get());
  scribe->start_accepted();
  return true;
}

bool guarded_doorman::attach(caf::execution_unit* ctx, guarded_scribe* scribe) {
  if (detached())
    return false;
  unattached_.erase(scribe);
  auto hdl = scribe->hdl();
  parent()->add_scribe(caf::io::scribe_ptr(scribe));
  doorman::new_connection(ctx, hdl);
  return true;
}

void guarded_doorman::graceful_shutdown() {
  guard_->clock().cancel(resume_);
  // No broker will close them: they end now, and the event loop with them.
  for (auto* scribe : unattached_)
    scribe->shut_down_socket();
  acceptor_.graceful_shutdown();
  detach(&acceptor_.backend(), false);
}

void guarded_doorman::launch() {
  acceptor_.start(this);
}

std::string guarded_doorman::addr() const {
  auto x = caf::io::network::local_addr_of_fd(acceptor_.fd());
  return x ? std::move(*x) : std::string();
}

uint16_t guarded_doorman::port() const {
  auto x = caf::io::network::local_port_of_fd(acceptor_.fd());
  return x ? *x : 0;
}

void guarded_doorman::add_to_loop() {
  acceptor_.activate(this);
}

void guarded_doorman::remove_from_loop() {
  acceptor_.passivate();
}

}  // namespace mensa::runtime::port
