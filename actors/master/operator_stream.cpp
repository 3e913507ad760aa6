#include "actors/master/operator_stream.hpp"

namespace mensa::master {

void operator_stream::on_start() {
  install(&operator_stream::on_event);
  install(&operator_stream::on_close);
  event_stream::on_start();
}

const google::protobuf::Message& operator_stream::heartbeat_event() const {
  static const auto heartbeat = [] {
    v1::master::Event event;
    event.set_type(v1::master::Event::HEARTBEAT);
    return event;
  }();
  return heartbeat;
}

void operator_stream::on_event(const address&, const v1::master::Event& event) {
  write(event);
}

void operator_stream::on_close(const address&, const internal::CloseSubscription& msg) {
  end(msg.reason());
}

}  // namespace mensa::master
