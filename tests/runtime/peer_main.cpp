// A second node for the runtime's real-process tests, started as its own OS
// process. Roles:
//   serve     spawn `echo`, print "ready <address>", run until stdin closes;
//   ping      ping --target --count times; print "pong <n>" per answer, or
//             "exited <kind>: <detail>"; exit 0 only if all were answered;
//   mischief  send --target an unknown type, a corrupt payload and one of
//             --oversize_bytes, then a good ping; exit 0 if it is answered.

#include <iostream>
#include <memory>
#include <string>

#include "runtime/dispatch.hpp"
#include "runtime/node.hpp"
#include "tests/runtime/test_processes.hpp"

using namespace mensa;
using runtime::address;

namespace {

class peer_config : public runtime::node_config {
 public:
  peer_config() {
    opt_group{custom_options_, "global"}
        .add(role, "role", "serve, ping or mischief")
        .add(target, "target", "the process to ping")
        .add(count, "count", "pings to send")
        .add(oversize_bytes, "oversize_bytes", "payload of the oversize message");
  }

  std::string role = "serve";
  std::string target;
  std::size_t count = 1;
  std::size_t oversize_bytes = 0;
};

int serve(runtime::node& n) {
  auto self = n.spawn<test::echo_process>("echo");
  if (!self) {
    std::cerr << self.error().message << '\n';
    return 1;
  }
  std::cout << "ready " << self->str() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    // Runs until the test closes our stdin (or kills us).
  }
  return 0;
}

int ping(runtime::node& n, const address& target, std::size_t count,
         std::size_t oversize_bytes, bool mischief) {
  auto log = std::make_shared<test::process_log>();
  auto self = n.spawn<test::probe_process>("probe", log);
  if (!self) {
    std::cerr << self.error().message << '\n';
    return 1;
  }
  runtime::dispatch<test::probe_process>(n.find("probe"), [&](test::probe_process& p) {
    p.watch(target);
    if (mischief) {
      internal::Ping big;
      big.set_payload(std::string(oversize_bytes, 'x'));
      p.raw(target, "mensa.test.NoSuchMessage", "whatever");
      p.raw(target, "mensa.internal.Ping", "\xff\xff\xff\xff");
      p.raw(target, "mensa.internal.Ping", big.SerializeAsString());
    }
    for (uint64_t i = 1; i <= count; ++i)
      p.ping(target, i);
  });
  log->wait_for([&] { return log->pongs().size() == count || !log->exits().empty(); });
  for (auto& pong : log->pongs())
    std::cout << "pong " << pong.sequence << '\n';
  for (auto& exit : log->exits())
    std::cout << "exited " << to_string(exit.kind) << ": " << exit.detail << '\n';
  std::cout << std::flush;
  return log->pongs().size() == count ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto cfg = std::make_unique<peer_config>();
  if (auto parsed = cfg->parse_flags(argc, argv); !parsed) {
    std::cerr << parsed.error().message << '\n';
    return 2;
  }
  auto role = cfg->role;
  auto target_text = cfg->target;
  auto count = cfg->count;
  auto oversize_bytes = cfg->oversize_bytes;
  auto started = runtime::node::start(std::move(cfg));
  if (!started) {
    std::cout << "start failed: " << started.error().message << std::endl;
    return 1;
  }
  if (role == "serve")
    return serve(**started);
  auto target = address::parse(target_text);
  if (!target) {
    std::cerr << target.error().message << '\n';
    return 2;
  }
  return ping(**started, *target, count, oversize_bytes, role == "mischief");
}
