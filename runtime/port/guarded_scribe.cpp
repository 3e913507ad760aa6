#include "runtime/port/guarded_scribe.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "caf/io/network/interfaces.hpp"
#include "runtime/port/guarded_doorman.hpp"

namespace mensa::runtime::port {

namespace {

// Payloads above this are read in steps of this size.
constexpr std::size_t read_step = 64 * 1024;

std::string peer_of(caf::io::network::native_socket fd) {
  auto host = caf::io::network::remote_addr_of_fd(fd);
  auto port = caf::io::network::remote_port_of_fd(fd);
  if (!host || !port)
    return "an unknown peer";
  return *host + ":" + std::to_string(*port);
}

const char* operation_name(uint8_t op) {
  switch (op) {
    case 0:
      return "a server handshake";
    case 1:
      return "a client handshake";
    case 2:
      return "a direct message";
    case 3:
      return "a routed message";
    case 4:
      return "a monitor message";
    case 5:
      return "a down message";
    case 6:
      return "a heartbeat";
  }
  return "an unknown operation";
}

}  // namespace

caf::io::network::rw_state socket_io::reported(caf::io::network::rw_state state) {
  if (state == caf::io::network::rw_state::failure && owner != nullptr)
    owner->tls_failed();
  return state;
}

guarded_scribe::guarded_scribe(caf::io::network::default_multiplexer& mpx,
                               caf::io::network::native_socket fd, side who,
                               std::shared_ptr<port_guard> guard,
                               std::unique_ptr<tls_session> tls,
                               unidentified_connections::ticket ticket,
                               caf::intrusive_ptr<guarded_doorman> doorman)
    : caf::io::scribe(caf::io::network::conn_hdl_from_socket(fd)),
      guard_(std::move(guard)),
      tls_(std::move(tls)),
      doorman_(std::move(doorman)),
      side_(who),
      phase_(who == side::accepted ? phase::first_bytes : phase::header),
      peer_(peer_of(fd)),
      stream_(mpx, fd, socket_io{tls_.get(), this}),
      ticket_(std::move(ticket)) {
  // As CAF's own scribes: the kernel notices a peer that vanished.
  static_cast<void>(caf::io::network::keepalive(fd, true));
}

guarded_scribe::~guarded_scribe() {
  // The connection has ended: a handler still answering learns it.
  if (http_link_)
    http_link_->connection = nullptr;
  http_ = nullptr;
  if (doorman_)
    doorman_->forget(this);
}

void guarded_scribe::shut_down_socket() {
  ::shutdown(stream_.fd(), SHUT_RDWR);
}

void guarded_scribe::start_accepted() {
  launched_ = true;
  // Whatever comes first, up to a header: enough to tell the protocol.
  stream_.configure_read(caf::io::receive_policy::at_most(basp_header_size));
  stream_.start(this);
  if (tls_)
    stream_.force_empty_write(this);
}

void guarded_scribe::launch() {
  launched_ = true;
  read_next_header();
  stream_.start(this);
  if (tls_)
    stream_.force_empty_write(this);
}

void guarded_scribe::configure_read(caf::io::receive_policy::config) {
  // The broker asks for a header or a payload; this scribe frames the
  // stream itself (and gives the broker exactly that), so only the first
  // request matters: it starts reading a connection this node opened.
  if (!launched_)
    launch();
}

void guarded_scribe::ack_writes(bool enable) {
  stream_.ack_writes(enable);
}

std::vector<char>& guarded_scribe::wr_buf() {
  return stream_.wr_buf();
}

std::vector<char>& guarded_scribe::rd_buf() {
  return stream_.rd_buf();
}

void guarded_scribe::graceful_shutdown() {
  stream_.graceful_shutdown();
  detach(&stream_.backend(), false);
}

void guarded_scribe::flush() {
  check_backlog(stream_.wr_buf().size());
  stream_.flush(this);
}

void guarded_scribe::check_backlog(std::size_t unread) {
  // A peer that does not read while the node keeps writing to it (answers,
  // bounced requests) must not grow its write buffer without end.
  if (backlog_exceeded_ || unread <= guard_->write_backlog_limit())
    return;
  backlog_exceeded_ = true;
  guard_->dropped(frame_drop::oversize, peer_,
                  "it has not read " + std::to_string(unread) +
                      " bytes written to it; the connection is closed");
  // The event loop sees the connection end and cleans up as usual.
  ::shutdown(stream_.fd(), SHUT_RDWR);
}

void guarded_scribe::data_transferred(caf::execution_unit* ctx, std::size_t written,
                                      std::size_t remaining) {
  if (phase_ != phase::http) {
    caf::io::scribe::data_transferred(ctx, written, remaining);
    return;
  }
  static_cast<void>(remaining);
  http_unsent_ -= std::min(written, http_unsent_);
  if (!await_request_once_sent_ || written == 0)
    return;
  // Progress: the deadline starts again, and once everything is sent it is
  // the client's time to send its next request.
  if (http_unsent_ == 0)
    await_request_once_sent_ = false;
  ticket_ = guard_->unidentified().admit(stream_.fd());
}

void guarded_scribe::tls_failed() {
  if (identified_ || tls_failure_reported_)
    return;
  tls_failure_reported_ = true;
  guard_->refused(refusal::bad_handshake, peer_,
                  "its TLS handshake failed: " + tls_->last_error());
}

std::string guarded_scribe::addr() const {
  auto x = caf::io::network::remote_addr_of_fd(stream_.fd());
  return x ? *x : std::string();
}

uint16_t guarded_scribe::port() const {
  auto x = caf::io::network::remote_port_of_fd(stream_.fd());
  return x ? *x : 0;
}

void guarded_scribe::add_to_loop() {
  stream_.activate(this);
}

void guarded_scribe::remove_from_loop() {
  stream_.passivate();
}

void guarded_scribe::read_exactly(std::size_t n) {
  stream_.configure_read(caf::io::receive_policy::exactly(n));
}

void guarded_scribe::read_next_header() {
  phase_ = phase::header;
  header_have_ = 0;
  read_exactly(basp_header_size);
}

bool guarded_scribe::consume(caf::execution_unit* ctx, const void* buf, std::size_t n) {
  auto* data = static_cast<const char*>(buf);
  switch (phase_) {
    case phase::first_bytes:
      // A node speaks first with its client handshake, whose first byte is
      // the operation (1); a web client starts with a method name.
      if (data[0] >= 'A' && data[0] <= 'Z')
        return start_http(data, n);
      if (static_cast<uint8_t>(data[0]) !=
          static_cast<uint8_t>(basp_operation::client_handshake))
        return refuse(ctx, refusal::unknown_protocol,
                      "its first bytes are not a handshake of the actor protocol");
      phase_ = phase::header;
      return on_header_bytes(ctx, data, n);
    case phase::header:
      return on_header_bytes(ctx, data, n);
    case phase::payload:
      return on_payload(ctx, n);
    case phase::skipping:
      return on_skipped(n);
    case phase::http:
      http_->feed(data, n);
      return true;
  }
  return false;
}

bool guarded_scribe::start_http(const char* data, std::size_t n) {
  phase_ = phase::http;
  http::request_limits limits;
  limits.max_body = guard_->max_message_size();
  http_link_ = std::make_shared<http_link>();
  auto* mpx = &stream_.backend();
  auto post = [link = http_link_,
               mpx](std::function<void(http::server_connection*)> fn) {
    mpx->dispatch([link, fn = std::move(fn)] { fn(link->connection); });
  };
  auto routes = guard_->routes();
  http_ = std::make_unique<http::server_connection>(
      static_cast<http::server_connection::socket&>(*this), limits, peer_,
      std::move(post), [routes](http::request&& r, const http::responder& out) {
        routes->dispatch(std::move(r), out);
      });
  http_link_->connection = http_.get();
  // Told when answers are sent (data_transferred).
  stream_.ack_writes(true);
  stream_.configure_read(caf::io::receive_policy::at_most(read_step));
  http_->feed(data, n);
  return true;
}

void guarded_scribe::write(std::string_view bytes) {
  // An answer is written whole, however big (a big cluster's state): what
  // may not grow without end is what still waits unread before it.
  check_backlog(http_unsent_);
  http_unsent_ += bytes.size();
  auto& out = stream_.wr_buf();
  out.insert(out.end(), bytes.begin(), bytes.end());
  stream_.flush(this);
}

void guarded_scribe::close_when_written() {
  stream_.graceful_shutdown();
  // A client that does not close its end is closed at the deadline.
  awaiting_request(true);
}

void guarded_scribe::awaiting_request(bool waiting) {
  if (!waiting) {
    await_request_once_sent_ = false;
    ticket_.identified();
  } else if (http_unsent_ > 0) {
    // The client has until the deadline to send its next request from
    // when it has the answer, however long a big answer takes to send;
    // meanwhile the deadline runs from the last bytes it read, so one that
    // stops reading is closed like one that stops sending.
    await_request_once_sent_ = true;
    ticket_ = guard_->unidentified().admit(stream_.fd());
  } else if (!ticket_.pending()) {
    ticket_ = guard_->unidentified().admit(stream_.fd());
  }
}

bool guarded_scribe::on_header_bytes(caf::execution_unit* ctx, const char* data,
                                     std::size_t n) {
  auto take = std::min(n, basp_header_size - header_have_);
  std::memcpy(header_bytes_.data() + header_have_, data, take);
  header_have_ += take;
  if (header_have_ < basp_header_size) {
    read_exactly(basp_header_size - header_have_);
    return true;
  }
  return on_header(ctx);
}

bool guarded_scribe::on_header(caf::execution_unit* ctx) {
  header_ = read_basp_header(header_bytes_.data());
  auto length = header_.payload_length;
  if (!header_.known_operation())
    return identified_ ? close_for(ctx, frame_drop::malformed,
                                   "a header names unknown operation " +
                                       std::to_string(header_.operation))
                       : refuse(ctx, refusal::bad_handshake,
                                "its first frame is not a handshake");
  if (identified_ &&
      (header_.op() == basp_operation::server_handshake ||
       (header_.op() == basp_operation::client_handshake && side_ == side::connected)))
    return close_for(ctx, frame_drop::malformed,
                     std::string(operation_name(header_.operation)) +
                         " after the handshake, from the side that does not send it");
  if (!identified_) {
    auto expected = side_ == side::accepted ? basp_operation::client_handshake
                                            : basp_operation::server_handshake;
    if (header_.op() != expected)
      return refuse(ctx, refusal::bad_handshake,
                    std::string("its first frame is ") +
                        operation_name(header_.operation) + ", not " +
                        operation_name(static_cast<uint8_t>(expected)));
    if (length == 0 || length > port_guard::handshake_frame_limit)
      return refuse(ctx, refusal::bad_handshake,
                    "its handshake claims " + std::to_string(length) +
                        " bytes (at most " +
                        std::to_string(port_guard::handshake_frame_limit) + ")");
  }
  if (length > guard_->frame_limit()) {
    guard_->dropped(frame_drop::oversize, peer_,
                    std::string(operation_name(header_.operation)) + " of " +
                        std::to_string(length) + " bytes exceeds the limit of " +
                        std::to_string(guard_->frame_limit()) +
                        " (--max_message_size plus framing); its bytes are skipped");
    phase_ = phase::skipping;
    remaining_ = length;
    read_exactly(std::min<std::size_t>(remaining_, read_step));
    return true;
  }
  if (length == 0) {
    auto ok = hand_to_broker(ctx, {});
    read_next_header();
    return ok;
  }
  phase_ = phase::payload;
  remaining_ = length;
  large_payload_.clear();
  read_exactly(std::min<std::size_t>(remaining_, read_step));
  return true;
}

bool guarded_scribe::on_payload(caf::execution_unit* ctx, std::size_t n) {
  auto& received = stream_.rd_buf();
  std::string_view payload(received.data(), n);
  if (header_.payload_length > read_step) {
    // Kept in the steps it came in, and put together once whole: memory
    // follows the bytes that really arrived.
    chunks_.emplace_back(received.data(), received.data() + n);
    remaining_ -= n;
    if (remaining_ > 0) {
      read_exactly(std::min<std::size_t>(remaining_, read_step));
      return true;
    }
    large_payload_.clear();
    large_payload_.reserve(header_.payload_length);
    for (auto& chunk : chunks_)
      large_payload_.insert(large_payload_.end(), chunk.begin(), chunk.end());
    chunks_ = {};
    payload = std::string_view(large_payload_.data(), large_payload_.size());
  }
  auto ok = checked_payload(ctx, payload);
  large_payload_ = {};
  if (ok)
    read_next_header();
  return ok;
}

bool guarded_scribe::checked_payload(caf::execution_unit* ctx,
                                     std::string_view payload) {
  auto handshake = header_.op() == basp_operation::client_handshake ||
                   header_.op() == basp_operation::server_handshake;
  if (handshake) {
    auto node = handshake_node(payload);
    if (!node)
      return identified_
                 ? close_for(ctx, frame_drop::malformed, "a handshake names no node")
                 : refuse(ctx, refusal::bad_handshake, "its handshake names no node");
    // A repeated client handshake (CAF's choice of connection) must come
    // from the same node.
    if (identified_ && *node != peer_node_)
      return close_for(ctx, frame_drop::malformed,
                       "a handshake names another node than the first one");
    if (!identified_)
      peer_node_ = std::string(*node);
  }
  frame_context context{guard_->local_node(), peer_node_};
  if (auto problem = basp_payload_problem(header_, payload, context)) {
    if (!identified_)
      return refuse(ctx, refusal::bad_handshake,
                    "its handshake is malformed: " + *problem);
    guard_->dropped(frame_drop::malformed, peer_,
                    std::string(operation_name(header_.operation)) + ": " + *problem);
    return true;
  }
  return hand_to_broker(ctx, payload);
}

bool guarded_scribe::on_skipped(std::size_t n) {
  remaining_ -= n;
  if (remaining_ > 0)
    read_exactly(std::min<std::size_t>(remaining_, read_step));
  else
    read_next_header();
  return true;
}

bool guarded_scribe::hand_to_broker(caf::execution_unit* ctx,
                                    std::string_view payload) {
  if (!identified_ && side_ == side::accepted) {
    // The first frame is a well-formed client handshake: the connection
    // speaks the actor protocol, and the broker takes it over.
    auto doorman = std::move(doorman_);
    if (!doorman || !doorman->attach(ctx, this))
      return refuse(ctx, refusal::bad_handshake, "the node no longer listens");
  }
  if (!identified_) {
    identified_ = true;
    ticket_.identified();
  }
  delivery_.assign(header_bytes_.begin(), header_bytes_.end());
  if (!deliver(ctx, delivery_))
    return false;
  if (!payload.empty()) {
    if (header_.payload_length > read_step) {
      if (!deliver(ctx, large_payload_))
        return false;
    } else {
      auto& received = stream_.rd_buf();
      received.resize(payload.size());
      if (!deliver(ctx, received))
        return false;
    }
  }
  flush();
  return true;
}

bool guarded_scribe::deliver(caf::execution_unit* ctx, std::vector<char>& bytes) {
  if (detached())
    return false;
  auto& message = msg().buf;
  message.swap(bytes);
  auto accepted = invoke_mailbox_element(ctx);
  message.swap(bytes);
  return accepted;
}

bool guarded_scribe::refuse(caf::execution_unit* ctx, refusal reason,
                            const std::string& detail) {
  guard_->refused(reason, peer_, detail);
  // No lingering: writes still queued fail at once, so nothing keeps the
  // connection (and its buffers) alive.
  ::shutdown(stream_.fd(), SHUT_RDWR);
  if (!detached())
    io_failure(ctx, caf::io::network::operation::read);
  return false;
}

bool guarded_scribe::close_for(caf::execution_unit* ctx, frame_drop reason,
                               const std::string& detail) {
  guard_->dropped(reason, peer_, detail + "; the connection is closed");
  ::shutdown(stream_.fd(), SHUT_RDWR);
  if (!detached())
    io_failure(ctx, caf::io::network::operation::read);
  return false;
}

}  // namespace mensa::runtime::port
