#include "actors/master/scheduler_stream.hpp"

namespace mensa::master {

scheduler_stream::scheduler_stream(runtime::process_config& cfg, runtime::node& owner,
                                   address self, runtime::http::responder out,
                                   runtime::http::encoding encoding,
                                   runtime::duration heartbeat_interval)
    : process(cfg, owner, std::move(self)),
      out_(std::move(out)),
      encoding_(encoding),
      heartbeat_interval_(heartbeat_interval) {}

std::string scheduler_stream::stream_id_of(const address& a) {
  const auto& name = a.name();
  if (name.substr(0, name_prefix.size()) != name_prefix)
    return {};
  return std::string(name.substr(name_prefix.size()));
}

void scheduler_stream::on_start() {
  install(&scheduler_stream::on_event);
  install(&scheduler_stream::on_close);
  auto head =
      runtime::http::response::ok("", runtime::http::content_type_of(encoding_));
  head.with("Mesos-Stream-Id", stream_id_of(self_address()));
  stream_ = out_.open_stream(std::move(head));
  if (!stream_) {
    end("its client had gone");
    return;
  }
  auto self = weak_self();
  stream_.on_client_gone([self] {
    self.dispatch<scheduler_stream>(
        [](scheduler_stream& s) { s.end("its client closed the connection"); });
  });
  heartbeat_timer_ = start_timer(heartbeat_interval_, [this] { heartbeat(); });
}

void scheduler_stream::on_stop() {
  stream_.close();
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

void scheduler_stream::write(const v1::scheduler::Event& event) {
  if (ended_)
    return;
  if (!stream_.write(runtime::http::recordio(runtime::http::encode(event, encoding_))))
    end("its client had gone");
}

void scheduler_stream::heartbeat() {
  v1::scheduler::Event event;
  event.set_type(v1::scheduler::Event::HEARTBEAT);
  write(event);
  heartbeat_timer_ = start_timer(heartbeat_interval_, [this] { heartbeat(); });
}

void scheduler_stream::end(const std::string& why) {
  if (ended_)
    return;
  ended_ = true;
  log(runtime::log_level::info, "subscription stream ended: " + why);
  stream_.close();
  heartbeat_timer_.cancel();
  quit();
}

}  // namespace mensa::master
