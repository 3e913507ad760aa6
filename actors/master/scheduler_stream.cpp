#include "actors/master/scheduler_stream.hpp"

namespace mensa::master {

std::string scheduler_stream::stream_id_of(const address& a) {
  const auto& name = a.name();
  if (name.substr(0, name_prefix.size()) != name_prefix)
    return {};
  return std::string(name.substr(name_prefix.size()));
}

void scheduler_stream::on_start() {
  install(&scheduler_stream::on_event);
  install(&scheduler_stream::on_close);
  event_stream::on_start();
}

runtime::http::response scheduler_stream::head() const {
  auto head = event_stream::head();
  head.with("Mesos-Stream-Id", stream_id_of(self_address()));
  return head;
}

const google::protobuf::Message& scheduler_stream::heartbeat_event() const {
  static const auto heartbeat = [] {
    v1::scheduler::Event event;
    event.set_type(v1::scheduler::Event::HEARTBEAT);
    return event;
  }();
  return heartbeat;
}

void scheduler_stream::on_event(const address&, const v1::scheduler::Event& event) {
  write(event);
  // An ERROR ends the subscription (a failover to another scheduler, a
  // refused subscription): the client resubscribes on a new stream.
  if (event.type() == v1::scheduler::Event::ERROR)
    end("the master sent an ERROR: " + event.error().message());
}

void scheduler_stream::on_close(const address&,
                                const internal::CloseSubscription& msg) {
  end(msg.reason());
}

}  // namespace mensa::master
