#include "echo_load_options.hpp"

#include "loopback_connector.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace shardmq::bench {

namespace {

constexpr const char* usage_text = R"(usage: shardmq-echo-load --connect 127.0.0.1:PORT [options]

Load client for TCP echo servers. Every connection keeps DEPTH messages of SIZE bytes in flight
and checks every echoed byte (each message carries its sequence number and a pattern that depends
on it, so corruption, loss and reordering are all caught; a mismatch is an error, exit 3).
Prints msgs/s, MB/s (echoed payload), round-trip latency p50/p99/p99.9 (send to full echo), and
with --server-pid the server's CPU time per message from /proc/PID/task/*/schedstat, all taken
over the measured window only.

options:
  --connect ADDR:PORT          the echo server (IPv4)
  --connections N              connections (default 1)
  --depth D                    messages in flight per connection (default 1)
  --size S                     bytes per message (default 64, at most 1048576)
  --duration SEC               measured window (default 5)
  --messages N                 instead: run until N messages are echoed in all (no warm-up)
  --warmup SEC                 load before the measured window starts (default 0)
  --threads T                  client threads, connections spread evenly (default 1)
  --pin CPU[,CPU...]           pin client thread i to the i-th CPU (cycling)
  --server-pid PID             report the server's CPU time (and RSS in --idle mode)
  --source-addresses A,B,...   bind connections to these local addresses in turn (127.0.0.x)
  --idle N                     memory mode: open N connections, exchange one SIZE-byte message on
                               each (none with --size 0), hold them --hold SEC, report the server's
                               VmRSS before and after, per connection, then close them
  --hold SEC                   idle mode: how long to keep the connections before measuring (0.5)
  --timeout SEC                bound on connecting and on a --messages run (default 60)
  --json                       print one JSON object instead of one key=value line
  --help                       this text

Exit codes: 0 ok, 1 connection or server failure, 2 bad command line, 3 echo mismatch.
)";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "shardmq-echo-load: %s\n\n%s", message.c_str(), usage_text);
  std::exit(2);
}

unsigned long long parse_count(const std::string& flag, const std::string& text, unsigned long long min,
                               unsigned long long max) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value < min || value > max) {
    usage_error(flag + " wants a number from " + std::to_string(min) + " to " + std::to_string(max) +
                ", not '" + text + "'");
  }
  return value;
}

double parse_seconds(const std::string& flag, const std::string& text, double max) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value) || value < 0 || value > max) {
    usage_error(flag + " wants seconds from 0 to " + std::to_string(static_cast<int>(max)) + ", not '" +
                text + "'");
  }
  return value;
}

}  // namespace

echo_load_options parse_echo_load_options(int argc, char** argv) {
  echo_load_options options;
  bool connect_given = false;
  bool warmup_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 == argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    try {
      if (arg == "--help" || arg == "-h") {
        std::fputs(usage_text, stdout);
        std::exit(0);
      } else if (arg == "--connect") {
        options.server = parse_ipv4_endpoint(value());
        connect_given = true;
      } else if (arg == "--connections") {
        options.connections = static_cast<unsigned>(parse_count(arg, value(), 1, 1000000));
      } else if (arg == "--depth") {
        options.depth = static_cast<unsigned>(parse_count(arg, value(), 1, 65536));
      } else if (arg == "--size") {
        options.size = parse_count(arg, value(), 0, 1 << 20);
      } else if (arg == "--duration") {
        options.duration_s = parse_seconds(arg, value(), 3600);
      } else if (arg == "--messages") {
        options.messages = parse_count(arg, value(), 1, 1ULL << 40);
      } else if (arg == "--warmup") {
        options.warmup_s = parse_seconds(arg, value(), 3600);
        warmup_given = options.warmup_s > 0;
      } else if (arg == "--threads") {
        options.threads = static_cast<unsigned>(parse_count(arg, value(), 1, 256));
      } else if (arg == "--pin") {
        const std::string list = value();
        std::size_t start = 0;
        while (start <= list.size()) {
          const std::size_t comma = std::min(list.find(',', start), list.size());
          options.pin_cpus.push_back(
              static_cast<int>(parse_count(arg, list.substr(start, comma - start), 0, 4095)));
          start = comma + 1;
        }
      } else if (arg == "--server-pid") {
        options.server_pid = static_cast<pid_t>(parse_count(arg, value(), 1, 1 << 30));
      } else if (arg == "--source-addresses") {
        options.sources = parse_source_addresses(value());
      } else if (arg == "--idle") {
        options.idle = parse_count(arg, value(), 1, 10000000);
      } else if (arg == "--hold") {
        options.hold_s = parse_seconds(arg, value(), 3600);
      } else if (arg == "--timeout") {
        options.timeout_s = parse_seconds(arg, value(), 86400);
      } else if (arg == "--json") {
        options.json = true;
      } else {
        usage_error("unknown option '" + arg + "'");
      }
    } catch (const std::invalid_argument& e) {
      usage_error(arg + ": " + e.what());
    }
  }
  if (!connect_given) usage_error("--connect is required");
  if (options.idle == 0 && options.size == 0) usage_error("--size 0 only makes sense with --idle");
  if (options.messages != 0 && warmup_given) usage_error("--messages counts from the start: no --warmup");
  if (options.messages == 0 && options.idle == 0 && options.duration_s <= 0)
    usage_error("--duration must be > 0");
  if (options.threads > options.connections && options.idle == 0) options.threads = options.connections;
  return options;
}

}  // namespace shardmq::bench
