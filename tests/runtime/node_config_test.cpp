#include "runtime/node_config.hpp"

#include <doctest/doctest.h>

#include "caf/config_option_adder.hpp"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using mensa::runtime::node_config;

namespace {

// Parses `args` (without the program name) into `cfg`.
mensa::runtime::expected<void> parse(node_config& cfg, std::vector<std::string> args) {
  std::vector<char*> argv{const_cast<char*>("mensa")};
  for (auto& arg : args)
    argv.push_back(arg.data());
  return cfg.parse_flags(static_cast<int>(argv.size()), argv.data());
}

std::string parse_error(std::vector<std::string> args) {
  node_config cfg;
  auto result = parse(cfg, std::move(args));
  return result ? std::string{} : result.error().message;
}

}  // namespace

TEST_CASE("node flags have the documented defaults") {
  node_config cfg;
  REQUIRE(parse(cfg, {}));
  CHECK(cfg.ip == "127.0.0.1");
  CHECK(cfg.port == 0);
  CHECK(cfg.max_message_size == 16u * 1024 * 1024);
  CHECK(cfg.heartbeat_interval == std::chrono::seconds(1));
  CHECK(cfg.heartbeat_timeout == std::chrono::seconds(10));
  CHECK_FALSE(cfg.tls_enabled());
}

TEST_CASE("node flags parse from the command line, positional words anywhere") {
  node_config cfg;
  REQUIRE(
      parse(cfg, {"first", "--ip=10.1.2.3", "--port=5050", "--heartbeat_interval=200ms",
                  "--heartbeat_timeout=2s", "second"}));
  CHECK(cfg.ip == "10.1.2.3");
  CHECK(cfg.port == 5050);
  CHECK(cfg.heartbeat_interval == std::chrono::milliseconds(200));
  CHECK(cfg.positional == std::vector<std::string>{"first", "second"});
}

TEST_CASE("a program refuses positional words unless it takes them") {
  std::vector<std::string> args{"mensa", "--port=5050", "stray"};
  std::vector<char*> argv;
  for (auto& arg : args)
    argv.push_back(arg.data());
  node_config refusing;
  CHECK(refusing.parse_command_line("mensa", 3, argv.data()) == 2);
  node_config taking;
  taking.takes_positional = true;
  CHECK(taking.parse_command_line("mensa", 3, argv.data()) == -1);
  CHECK(taking.positional == std::vector<std::string>{"stray"});
}

TEST_CASE("a flag's value may come in the next word; switches take none") {
  struct with_switch : node_config {
    with_switch() {
      caf::config_option_adder{custom_options_, "global"}.add(verbose, "verbose",
                                                              "a switch");
    }
    bool verbose = false;
  };
  with_switch cfg;
  REQUIRE(parse(cfg, {"--port", "5050", "--verbose", "word", "--ip", "10.1.2.3"}));
  CHECK(cfg.port == 5050);
  CHECK(cfg.verbose);
  CHECK(cfg.ip == "10.1.2.3");
  CHECK(cfg.positional == std::vector<std::string>{"word"});
  CHECK(parse_error({"--port", "abc"}).find("--port=abc") != std::string::npos);
}

TEST_CASE("node flags are read from an INI file") {
  auto path = std::string("/tmp/mensa-node-config-test.ini");
  {
    std::ofstream ini(path);
    ini << "[global]\nport=5055\nlogging_level=\"debug\"\n";
  }
  node_config cfg;
  REQUIRE(parse(cfg, {"--config-file=" + path}));
  CHECK(cfg.port == 5055);
  CHECK(cfg.logging_level == "debug");
  std::remove(path.c_str());
}

TEST_CASE("bad flags are rejected with a message naming them") {
  CHECK(parse_error({"--bogus"}).find("'--bogus': unknown flag") != std::string::npos);
  CHECK(parse_error({"--port=abc"}).find("--port=abc") != std::string::npos);
  CHECK(parse_error({"--port=70000"}).find("out of range") != std::string::npos);
  CHECK(parse_error({"--ip=localhost"}).find("--ip") != std::string::npos);
  CHECK(parse_error({"--ip=0.0.0.0"}).find("--advertise_ip") != std::string::npos);
  CHECK(parse_error({"--logging_level=loud"}).find("--logging_level") !=
        std::string::npos);
  CHECK(parse_error({"--heartbeat_interval=5s", "--heartbeat_timeout=1s"})
            .find("--heartbeat_timeout") != std::string::npos);
  CHECK(parse_error({"--flow_window=0"}).find("--flow_window") != std::string::npos);
  CHECK(parse_error({"--config-file=/nonexistent/mensa.ini"})
            .find("cannot open config file") != std::string::npos);
}

TEST_CASE("TLS needs certificate, key and CA, and readable files") {
  CHECK(parse_error({"--tls_certificate=/nonexistent/cert.pem"}).find("cannot read") !=
        std::string::npos);
  auto missing = parse_error({"--tls_ca=/etc/hostname"});
  CHECK(missing.find("--tls_certificate") != std::string::npos);
}

TEST_CASE("--help parses nothing and asks for the help text") {
  node_config cfg;
  REQUIRE(parse(cfg, {"--port=abc", "--help"}));
  CHECK(cfg.help_requested);
  auto help = cfg.flags_help();
  CHECK(help.find("--heartbeat_timeout=<timespan>") != std::string::npos);
  CHECK(help.find("--tls_certificate") != std::string::npos);
}
