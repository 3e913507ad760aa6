#include "runtime/http/responder.hpp"

#include <utility>

#include "runtime/http/exchange.hpp"
#include "runtime/http/server_connection.hpp"

namespace mensa::runtime::http {

bool stream::write(std::string bytes) const {
  if (!exchange_ || exchange_->ended())
    return false;
  exchange_->post([x = exchange_, bytes = std::move(bytes)](server_connection* c) {
    if (c != nullptr)
      c->write_chunk(*x, bytes);
  });
  return true;
}

void stream::close() const {
  if (!exchange_ || exchange_->ended())
    return;
  exchange_->end();
  exchange_->post([x = exchange_](server_connection* c) {
    if (c != nullptr)
      c->end_stream(*x);
  });
}

bool stream::closed() const {
  return !exchange_ || exchange_->ended();
}

void stream::on_client_gone(std::function<void()> fn) const {
  if (!exchange_)
    return;
  exchange_->post([x = exchange_, fn = std::move(fn)](server_connection* c) mutable {
    if (c == nullptr)
      x->client_gone();
    x->when_gone(std::move(fn));
  });
}

bool responder::respond(response r) const {
  if (!exchange_ || exchange_->gone() || !exchange_->claim_answer())
    return false;
  exchange_->end();
  exchange_->post([x = exchange_, r = std::move(r)](server_connection* c) mutable {
    if (c != nullptr)
      c->answer(*x, std::move(r));
  });
  return true;
}

stream responder::open_stream(response r) const {
  if (!exchange_ || !exchange_->claim_answer())
    return {};
  exchange_->post([x = exchange_, r = std::move(r)](server_connection* c) mutable {
    if (c != nullptr)
      c->open_stream(*x, std::move(r));
  });
  return stream(exchange_);
}

bool responder::client_gone() const {
  return !exchange_ || exchange_->gone();
}

}  // namespace mensa::runtime::http
