#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "runtime/http/media_types.hpp"
#include "runtime/http/responder.hpp"
#include "runtime/process.hpp"

namespace mensa::master {

/// A subscriber's event stream over HTTP, on the master's node: a process
/// that answers the subscribing request with a 200 whose chunked body is
/// the events it writes, each a RecordIO record in the encoding the client
/// accepts, with a HEARTBEAT every `heartbeat_interval`. When the client
/// goes, the process ends (which whoever links to it sees as its exit).
/// The scheduler API's `scheduler_stream` and the operator API's
/// `operator_stream` are its two kinds.
class event_stream : public runtime::process {
 public:
  /// Writes to the stream that `out` answers with once started.
  event_stream(runtime::process_config& cfg, runtime::node& owner, address self,
               runtime::http::responder out, runtime::http::encoding encoding,
               runtime::duration heartbeat_interval);

 protected:
  /// Opens the stream and starts the heartbeats: a derived class calls it
  /// from its own `on_start`, after installing its handlers.
  void on_start() override;
  void on_stop() override;

  /// Returns the head of the stream's answer: 200 with the encoding's
  /// content type, to which a derived class may add fields.
  virtual runtime::http::response head() const;

  /// Returns the HEARTBEAT event of the stream's API.
  virtual const google::protobuf::Message& heartbeat_event() const = 0;

  /// Writes one event; ends the stream if the client has gone.
  void write(const google::protobuf::Message& event);

  /// Ends the stream (once) and the process, logging `why`.
  void end(const std::string& why);

 private:
  void heartbeat();

  runtime::http::responder out_;
  runtime::http::stream stream_;
  runtime::http::encoding encoding_;
  runtime::duration heartbeat_interval_;
  runtime::timer heartbeat_timer_;
  bool ended_ = false;
};

}  // namespace mensa::master
