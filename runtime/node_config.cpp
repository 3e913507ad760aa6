#include "runtime/node_config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "caf/config_option.hpp"
#include "caf/config_value.hpp"
#include "caf/pec.hpp"
#include "caf/sec.hpp"
#include "runtime/log.hpp"
#include "runtime/port/tls_session.hpp"

namespace mensa::runtime {

namespace {

bool valid_ip(const std::string& text) {
  in_addr v4{};
  in6_addr v6{};
  return inet_pton(AF_INET, text.c_str(), &v4) == 1 ||
         inet_pton(AF_INET6, text.c_str(), &v6) == 1;
}

bool is_any_address(const std::string& text) {
  return text == "0.0.0.0" || text == "::";
}

std::string describe_pec(caf::pec code) {
  switch (code) {
    case caf::pec::not_an_option:
      return "unknown flag";
    case caf::pec::missing_argument:
      return "the flag needs a value";
    case caf::pec::type_mismatch:
      return "the value has the wrong type";
    case caf::pec::integer_overflow:
    case caf::pec::integer_underflow:
      return "the value is out of range";
    case caf::pec::timespan_overflow:
    case caf::pec::fractional_timespan:
      return "the value is not a duration such as 500ms, 10s or 2min";
    default:
      return "the value cannot be parsed (" + to_string(code) + ")";
  }
}

// Renders a CAF parse error as one line that names the offending flag (or
// the place in the config file).
std::string describe_parse_error(const caf::error& err) {
  std::string subject;
  std::string place;
  auto& context = err.context();
  if (context.match_elements<caf::config_value::dictionary>()) {
    auto& details = context.get_as<caf::config_value::dictionary>(0);
    auto text = [&](const char* key) -> std::string {
      auto i = details.find(key);
      if (i == details.end())
        return std::string{};
      if (auto str = caf::get_if<std::string>(&i->second))
        return *str;
      return to_string(i->second);
    };
    subject = text("argument");
    if (auto line = text("line"); !line.empty())
      place = "line " + line + ", column " + text("column");
  } else if (context.match_elements<std::string>()) {
    subject = context.get_as<std::string>(0);
  }
  if (err.category() == caf::atom("parser")) {
    auto why = describe_pec(static_cast<caf::pec>(err.code()));
    if (!place.empty())
      return "invalid config file at " + place + ": " + why;
    return "invalid flag '" + subject + "': " + why;
  }
  if (err.category() == caf::atom("system") &&
      static_cast<caf::sec>(err.code()) == caf::sec::cannot_open_file)
    return "cannot open config file '" + subject + "'";
  return "invalid flags: " + to_string(err);
}

bool is_help_flag(const char* arg) {
  std::string_view text(arg);
  return text == "--help" || text == "-h" || text == "-?";
}

}  // namespace

node_config::node_config() {
  // A config file is read only when asked for: no implicit
  // caf-application.ini from the working directory.
  config_file_path.clear();
  opt_group{custom_options_, "global"}
      .add(ip, "ip", "IP address to listen on (default 127.0.0.1)")
      .add(port, "port", "TCP port to listen on; 0 picks a free one")
      .add(advertise_ip, "advertise_ip",
           "IP address other nodes use to reach this one (default: --ip)")
      .add(logging_level, "logging_level", "error, warning, info or debug")
      .add(max_message_size, "max_message_size",
           "largest message accepted from the network, in bytes (16 MiB)")
      .add(heartbeat_interval, "heartbeat_interval",
           "interval of heartbeats on each connection (1s; 0 disables)")
      .add(heartbeat_timeout, "heartbeat_timeout",
           "silence after which a connection counts as lost (10s)")
      .add(handshake_timeout, "handshake_timeout",
           "time a new connection has to complete its handshake (10s)")
      .add(max_unidentified_connections, "max_unidentified_connections",
           "connections at once that have not completed their handshake; one more "
           "closes the one waiting longest (1024, and at most a quarter of the "
           "descriptor limit)")
      .add(resolve_timeout, "resolve_timeout",
           "time to connect to a node and find a process on it (5s)")
      .add(flow_window, "flow_window",
           "unacknowledged messages per flow-controlled stream (1000)")
      .add(tls_certificate, "tls_certificate",
           "PEM certificate chain of this node; with --tls_key and --tls_ca "
           "turns on mutual TLS")
      .add(tls_key, "tls_key", "PEM private key of this node")
      .add(tls_ca, "tls_ca", "PEM file of the certificates this node trusts")
      .add(tls_key_passphrase, "tls_key_passphrase",
           "passphrase of an encrypted --tls_key")
      .add(worker_threads, "worker_threads",
           "threads that run actors; 0 means one per core");
}

bool node_config::takes_separate_value(const std::string& word) const {
  if (word.size() < 3 || word.compare(0, 2, "--") != 0 ||
      word.find('=') != std::string::npos)
    return false;
  auto option = custom_options_.cli_long_name_lookup(word.substr(2));
  return option != nullptr && !option->is_flag();
}

int node_config::parse_command_line(const std::string& program, int argc, char** argv) {
  auto parsed = parse_flags(argc, argv);
  if (help_requested) {
    if (!cli_helptext_printed)
      std::fputs(flags_help().c_str(), stdout);
    return 0;
  }
  if (!parsed) {
    std::fprintf(stderr, "%s: %s\n", program.c_str(), parsed.error().message.c_str());
    return 2;
  }
  if (!takes_positional && !positional.empty()) {
    std::fprintf(stderr, "%s: unexpected argument '%s'\n", program.c_str(),
                 positional.front().c_str());
    return 2;
  }
  return -1;
}

expected<void> node_config::parse_flags(int argc, char** argv) {
  if (std::any_of(argv + std::min(argc, 1), argv + argc, is_help_flag)) {
    help_requested = true;
    return {};
  }
  // CAF stops at the first word that is not a flag and only reads
  // `--flag=value`; mensa takes positional arguments anywhere and also
  // `--flag value`, as users of other command-line tools expect.
  string_list flags;
  positional.clear();
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word[0] != '-') {
      positional.emplace_back(std::move(word));
      continue;
    }
    if (i + 1 < argc && takes_separate_value(word))
      word += std::string("=") + argv[++i];
    flags.emplace_back(std::move(word));
  }
  if (auto err = parse(std::move(flags)))
    return failure{describe_parse_error(err)};
  if (cli_helptext_printed) {
    help_requested = true;
    return {};
  }
  return validate();
}

expected<void> node_config::validate() const {
  if (!valid_ip(ip))
    return failure{"invalid --ip '" + ip + "': not an IPv4 or IPv6 address"};
  if (!advertise_ip.empty() &&
      (!valid_ip(advertise_ip) || is_any_address(advertise_ip)))
    return failure{"invalid --advertise_ip '" + advertise_ip +
                   "': give the concrete address other nodes can reach"};
  if (is_any_address(ip) && advertise_ip.empty())
    return failure{"--ip=" + ip +
                   " listens on every interface: set --advertise_ip to the "
                   "address other nodes should use"};
  if (auto level = parse_log_level(logging_level); !level)
    return failure{"invalid --logging_level: " + level.error().message};
  if (max_message_size < 1024)
    return failure{"invalid --max_message_size: at least 1024 bytes"};
  if (heartbeat_interval.count() < 0 ||
      (heartbeat_interval.count() > 0 && heartbeat_timeout <= heartbeat_interval))
    return failure{
        "invalid --heartbeat_timeout: it must exceed "
        "--heartbeat_interval"};
  if (handshake_timeout.count() <= 0)
    return failure{"invalid --handshake_timeout: it must be positive"};
  if (max_unidentified_connections == 0)
    return failure{"invalid --max_unidentified_connections: at least 1"};
  if (resolve_timeout.count() <= 0)
    return failure{"invalid --resolve_timeout: it must be positive"};
  if (flow_window == 0)
    return failure{"invalid --flow_window: at least 1"};
  if (tls_enabled() && !simulated) {
    if (auto ok = port::tls_context::load(tls_certificate, tls_key, tls_ca,
                                          tls_key_passphrase);
        !ok)
      return ok.error();
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> node_config::flag_values() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& opt : custom_options_) {
    if (opt.category() != "global")
      continue;
    auto long_name = opt.long_name();
    std::string name(long_name.data(), long_name.size());
    if (name == "help" || name == "long-help" || name == "dump-config" ||
        name == "config-file")
      continue;
    auto value = opt.get();
    if (!value)
      continue;
    // A secret is shown as set or not, never its value.
    if (name.find("passphrase") != std::string::npos) {
      auto text = caf::get_if<std::string>(&*value);
      out.emplace_back(std::move(name), text && !text->empty() ? "(hidden)" : "");
      continue;
    }
    // Strings print bare, as Mesos shows its flags; everything else as CAF
    // renders it (10s, 1024, true).
    if (auto text = caf::get_if<std::string>(&*value))
      out.emplace_back(std::move(name), *text);
    else
      out.emplace_back(std::move(name), caf::to_string(*value));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string node_config::flags_help() const {
  std::ostringstream out;
  if (!usage.empty())
    out << usage << "\n\n";
  out << "Flags, as --name=value or --name value (also settable in an INI file\n"
         "given by --config-file=FILE, under [global]):\n";
  std::vector<std::pair<std::string, std::string>> rows;
  std::size_t width = 0;
  for (auto& opt : custom_options_) {
    if (opt.category() != "global")
      continue;
    auto long_name = opt.long_name();
    auto type_name = opt.type_name();
    auto description = opt.description();
    auto name = std::string(long_name.data(), long_name.size());
    if (name == "help" || name == "long-help" || name == "dump-config")
      continue;
    auto flag = "--" + name;
    if (!opt.is_flag())
      flag += "=<" + std::string(type_name.data(), type_name.size()) + ">";
    width = std::max(width, flag.size());
    rows.emplace_back(flag, std::string(description.data(), description.size()));
  }
  for (auto& [flag, description] : rows)
    out << "  " << flag << std::string(width - flag.size() + 2, ' ') << description
        << '\n';
  out << "\nCAF's own settings (scheduler, middleman, ...) are listed by "
         "--long-help.\n";
  return out.str();
}

std::vector<std::string> split_list(std::string_view text, char separator) {
  std::vector<std::string> items;
  while (!text.empty()) {
    auto end = text.find(separator);
    auto item = text.substr(0, end);
    if (!item.empty())
      items.emplace_back(item);
    if (end == std::string_view::npos)
      break;
    text.remove_prefix(end + 1);
  }
  return items;
}

}  // namespace mensa::runtime
