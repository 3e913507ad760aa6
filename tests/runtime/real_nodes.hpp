#pragma once

// Real nodes for the runtime's real-socket tests: one in the test process
// (with a probe and an echo), others as runtime_test_peer processes.

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/dispatch.hpp"
#include "runtime/node.hpp"
#include "runtime/testing/child_process.hpp"
#include "runtime/testing/temporary_directory.hpp"
#include "runtime/testing/test_certificate_authority.hpp"
#include "tests/runtime/test_processes.hpp"

namespace mensa::test {

inline constexpr auto generous = std::chrono::milliseconds(30000);

inline std::string peer_program() {
  return runtime::testing::executable_directory() + "/runtime_test_peer";
}

inline std::vector<std::string> tls_flags(const runtime::testing::tls_files& files) {
  return {"--tls_certificate=" + files.certificate, "--tls_key=" + files.key,
          "--tls_ca=" + files.ca};
}

inline void use_tls(runtime::node_config& cfg,
                    const runtime::testing::tls_files& files) {
  cfg.tls_certificate = files.certificate;
  cfg.tls_key = files.key;
  cfg.tls_ca = files.ca;
}

// Certificates for each of `names`, issued by a CA made on the spot in a
// fresh temporary directory called after `purpose`.
inline std::vector<runtime::testing::tls_files> issue_certificates(
    const std::string& purpose, const std::vector<std::string>& names) {
  auto dir = runtime::testing::make_temporary_directory(purpose);
  REQUIRE(dir);
  auto ca = runtime::testing::test_certificate_authority::create(*dir, "cluster");
  REQUIRE(ca);
  std::vector<runtime::testing::tls_files> issued;
  for (auto& name : names) {
    auto files = ca->issue(name);
    REQUIRE(files);
    issued.push_back(*files);
  }
  return issued;
}

// Starts runtime_test_peer with `flags`; fails the test if it cannot.
inline runtime::testing::child_process start_peer(std::vector<std::string> flags) {
  flags.insert(flags.begin(), peer_program());
  auto child = runtime::testing::child_process::start(flags);
  REQUIRE_MESSAGE(child, (child ? "" : child.error().message));
  return std::move(*child);
}

// Starts a peer that serves `echo`; returns it and the echo's address.
inline std::pair<runtime::testing::child_process, runtime::address> start_echo_peer(
    std::vector<std::string> flags) {
  flags.push_back("--role=serve");
  auto peer = start_peer(std::move(flags));
  auto ready = peer.wait_for_line("ready ", generous);
  REQUIRE_MESSAGE(ready, (ready ? "" : ready.error().message));
  auto echo = runtime::address::parse(*ready);
  REQUIRE(echo);
  return {std::move(peer), *echo};
}

// A node in the test process with a probe (and an echo), on real sockets.
struct local_node {
  std::shared_ptr<process_log> log = std::make_shared<process_log>();
  std::shared_ptr<process_log> echo_log = std::make_shared<process_log>();
  std::unique_ptr<runtime::node> node;
  runtime::address probe;
  runtime::address echo;

  explicit local_node(
      const std::function<void(runtime::node_config&)>& configure = {}) {
    auto cfg = std::make_unique<runtime::node_config>();
    if (configure)
      configure(*cfg);
    auto started = runtime::node::start(std::move(cfg));
    REQUIRE_MESSAGE(started, (started ? "" : started.error().message));
    node = std::move(*started);
    probe = *node->spawn<probe_process>("probe", log);
    echo = *node->spawn<echo_process>("echo", echo_log);
  }

  template <class F>
  void on_probe(F fn) {
    runtime::dispatch<probe_process>(node->find("probe"), std::move(fn));
  }

  // Pings `target` once and waits for the answer.
  bool ping_once(const runtime::address& target, uint64_t sequence) {
    on_probe([=](probe_process& p) { p.ping(target, sequence); });
    return log->wait_for(
        [&] {
          for (auto& pong : log->pongs())
            if (pong.sequence == sequence)
              return true;
          return false;
        },
        generous);
  }
};

}  // namespace mensa::test
