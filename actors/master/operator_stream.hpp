#pragma once

#include <string>

#include "actors/master/event_stream.hpp"
#include "mensa/internal/cluster.pb.h"
#include "mensa/v1/master.pb.h"

namespace mensa::master {

/// One operator API subscription (SUBSCRIBE on `/api/v1`), on the master's
/// node: writes every `v1::master::Event` the master sends it to the
/// client's stream (`event_stream`). The master links to it and forgets it
/// when it exits; it ends when its client goes or the master sends it
/// `CloseSubscription` (too many subscribers: the oldest goes).
class operator_stream : public event_stream {
 public:
  /// The prefix of every operator stream process's name.
  static constexpr std::string_view name_prefix = "operator-stream-";

  using event_stream::event_stream;

 protected:
  void on_start() override;
  const google::protobuf::Message& heartbeat_event() const override;

 private:
  void on_event(const address& from, const v1::master::Event& event);
  void on_close(const address& from, const internal::CloseSubscription& msg);
};

}  // namespace mensa::master
