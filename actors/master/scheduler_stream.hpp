#pragma once

#include <string>

#include "mensa/internal/cluster.pb.h"
#include "mensa/v1/scheduler.pb.h"
#include "runtime/http/media_types.hpp"
#include "runtime/http/responder.hpp"
#include "runtime/process.hpp"

namespace mensa::master {

/// One HTTP scheduler's subscription, on the master's node: to the master
/// it is the framework's scheduler like any scheduler actor (events are
/// sent to it, calls come from it, its exit is the scheduler's
/// disconnection), and it writes every event it is sent to the client's
/// stream as a RecordIO record, in the encoding the client accepts, with a
/// HEARTBEAT every `heartbeat_interval`. When the client goes, it ends,
/// which the master sees as its scheduler's exit; when the master ends the
/// subscription (an ERROR event, `CloseSubscription`), it ends the stream.
class scheduler_stream : public runtime::process {
 public:
  /// The prefix of every stream process's name; the rest is its
  /// `Mesos-Stream-Id`.
  static constexpr std::string_view name_prefix = "scheduler-stream-";

  /// Writes to the stream that `out` answers with once started.
  scheduler_stream(runtime::process_config& cfg, runtime::node& owner, address self,
                   runtime::http::responder out, runtime::http::encoding encoding,
                   runtime::duration heartbeat_interval);

  /// Returns the stream ID of the process at `a`, or empty if `a` is not a
  /// scheduler stream.
  static std::string stream_id_of(const address& a);

 protected:
  void on_start() override;
  void on_stop() override;

 private:
  void on_event(const address& from, const v1::scheduler::Event& event);
  void on_close(const address& from, const internal::CloseSubscription& msg);
  void write(const v1::scheduler::Event& event);
  void heartbeat();
  void end(const std::string& why);

  runtime::http::responder out_;
  runtime::http::stream stream_;
  runtime::http::encoding encoding_;
  runtime::duration heartbeat_interval_;
  runtime::timer heartbeat_timer_;
  bool ended_ = false;
};

}  // namespace mensa::master
