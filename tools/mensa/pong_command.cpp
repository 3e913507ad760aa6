// `mensa pong`: a node with one process, `pong`, that answers every Ping.

#include <cstdio>
#include <memory>

#include "mensa/internal/runtime.pb.h"
#include "runtime/node.hpp"
#include "runtime/process.hpp"
#include "tools/mensa/command.hpp"
#include "tools/mensa/termination_signals.hpp"

namespace mensa::tools {

namespace {

// Answers each Ping with a Pong carrying the same sequence and payload.
class pong_process : public runtime::process {
 public:
  using process::process;

 protected:
  void on_start() override { install(&pong_process::on_ping); }

 private:
  void on_ping(const address& from, const internal::Ping& ping) {
    internal::Pong pong;
    pong.set_sequence(ping.sequence());
    pong.set_payload(ping.payload());
    send(from, std::move(pong));
  }
};

}  // namespace

int run_pong(int argc, char** argv) {
  block_termination_signals();
  auto cfg = std::make_unique<runtime::node_config>();
  cfg->port = 5050;
  cfg->usage =
      "Usage: mensa pong [flags]\n\n"
      "Starts a node with a process named 'pong' that answers pings, and\n"
      "prints its address. Stop it with Ctrl-C.";
  if (auto code = cfg->parse_command_line("mensa pong", argc, argv); code >= 0)
    return code;
  auto started = runtime::node::start(std::move(cfg));
  if (!started) {
    std::fprintf(stderr, "mensa pong: %s\n", started.error().message.c_str());
    return 1;
  }
  auto& node = **started;
  auto self = node.spawn<pong_process>("pong");
  if (!self) {
    std::fprintf(stderr, "mensa pong: %s\n", self.error().message.c_str());
    return 1;
  }
  std::printf("pong: listening at %s\n", self->str().c_str());
  std::fflush(stdout);
  await_termination_signal();
  return 0;
}

}  // namespace mensa::tools
