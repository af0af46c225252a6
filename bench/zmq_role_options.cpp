// The peer mode's command line, and which implementation runs a role.

#include "zmq_role.hpp"

#include <cstdlib>
#include <set>
#include <string>

namespace shardmq::bench::zmq_bench {

namespace {

std::uint64_t parse_count(const std::string& flag, const char* text, std::uint64_t at_least) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || value < at_least) {
    fail_role(flag + " wants a whole number >= " + std::to_string(at_least) + ", not '" + text + "'", 2);
  }
  return value;
}

}  // namespace

role_options parse_role_options(int argc, char** argv) {
  role_options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) fail_role(flag + " needs a value (peer mode takes --flag value pairs)", 2);
    const char* value = argv[++i];
    if (flag == "--role") {
      options.role = value;
    } else if (flag == "--impl") {
      options.impl = value;
    } else if (flag == "--endpoint") {
      options.endpoint = value;
    } else if (flag == "--messages") {
      options.messages = parse_count(flag, value, 1);
    } else if (flag == "--warmup") {
      options.warmup = parse_count(flag, value, 0);
    } else if (flag == "--size") {
      options.size = parse_count(flag, value, 1);
    } else if (flag == "--dealers") {
      options.dealers = static_cast<unsigned>(parse_count(flag, value, 1));
    } else if (flag == "--window") {
      options.window = static_cast<unsigned>(parse_count(flag, value, 1));
    } else {
      fail_role("unknown peer option '" + flag + "'", 2);
    }
  }
  static const std::set<std::string> roles = {"pull",   "push",    "push_each", "rep",      "req",
                                              "router", "dealers", "inproc",    "tcp_echo", "tcp_ping"};
  if (roles.count(options.role) == 0) fail_role("unknown --role '" + options.role + "'", 2);
  const bool raw_role = options.role == "tcp_echo" || options.role == "tcp_ping";
  if (raw_role ? options.impl != "raw" : options.impl != "ours" && options.impl != "libzmq") {
    fail_role("--impl '" + options.impl + "' does not run role " + options.role, 2);
  }
  return options;
}

int run_role(const role_options& options) {
  if (options.impl == "raw") return run_raw_tcp_role(options);
  if (options.impl == "libzmq") return run_libzmq_role(options);
  return run_ours_role(options);
}

}  // namespace shardmq::bench::zmq_bench
