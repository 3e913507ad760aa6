#pragma once

#include <string>

#include "actors/master/event_stream.hpp"
#include "mensa/internal/cluster.pb.h"
#include "mensa/v1/scheduler.pb.h"

namespace mensa::master {

/// One HTTP scheduler's subscription, on the master's node: to the master
/// it is the framework's scheduler like any scheduler actor (events are
/// sent to it, calls come from it, its exit is the scheduler's
/// disconnection), and it writes every event it is sent to the client's
/// stream (`event_stream`), under a `Mesos-Stream-Id` field that is the rest
/// of its name. When the master ends the subscription (an ERROR event,
/// `CloseSubscription`), it ends the stream.
class scheduler_stream : public event_stream {
 public:
  /// The prefix of every stream process's name; the rest is its
  /// `Mesos-Stream-Id`.
  static constexpr std::string_view name_prefix = "scheduler-stream-";

  using event_stream::event_stream;

  /// Returns the stream ID of the process at `a`, or empty if `a` is not a
  /// scheduler stream.
  static std::string stream_id_of(const address& a);

 protected:
  void on_start() override;
  runtime::http::response head() const override;
  const google::protobuf::Message& heartbeat_event() const override;

 private:
  void on_event(const address& from, const v1::scheduler::Event& event);
  void on_close(const address& from, const internal::CloseSubscription& msg);
};

}  // namespace mensa::master
