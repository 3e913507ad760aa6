#include "actors/master/event_stream.hpp"

namespace mensa::master {

event_stream::event_stream(runtime::process_config& cfg, runtime::node& owner,
                           address self, runtime::http::responder out,
                           runtime::http::encoding encoding,
                           runtime::duration heartbeat_interval)
    : process(cfg, owner, std::move(self)),
      out_(std::move(out)),
      encoding_(encoding),
      heartbeat_interval_(heartbeat_interval) {}

runtime::http::response event_stream::head() const {
  return runtime::http::response::ok("", runtime::http::content_type_of(encoding_));
}

void event_stream::on_start() {
  stream_ = out_.open_stream(head());
  if (!stream_) {
    end("its client had gone");
    return;
  }
  auto self = weak_self();
  stream_.on_client_gone([self] {
    self.dispatch<event_stream>(
        [](event_stream& s) { s.end("its client closed the connection"); });
  });
  heartbeat_timer_ = start_timer(heartbeat_interval_, [this] { heartbeat(); });
}

void event_stream::on_stop() {
  stream_.close();
}

void event_stream::write(const google::protobuf::Message& event) {
  if (ended_)
    return;
  if (!stream_.write(runtime::http::recordio(runtime::http::encode(event, encoding_))))
    end("its client had gone");
}

void event_stream::heartbeat() {
  write(heartbeat_event());
  heartbeat_timer_ = start_timer(heartbeat_interval_, [this] { heartbeat(); });
}

void event_stream::end(const std::string& why) {
  if (ended_)
    return;
  ended_ = true;
  log(runtime::log_level::info, "subscription stream ended: " + why);
  stream_.close();
  heartbeat_timer_.cancel();
  quit();
}

}  // namespace mensa::master
