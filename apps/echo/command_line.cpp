#include "command_line.hpp"

#include <charconv>
#include <stdexcept>
#include <string_view>

namespace shardmq::echo {

namespace {

unsigned parse_count(std::string_view flag, std::string_view text) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value == 0) {
    throw std::invalid_argument(std::string(flag) + " needs a whole number above 0, not '" +
                                std::string(text) + "'");
  }
  return value;
}

}  // namespace

options parse_command_line(int argc, char** argv) {
  options result;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      result.help = true;
    } else if (arg == "--listen") {
      result.listen = value();
    } else if (arg == "--cores") {
      result.cores = parse_count(arg, value());
    } else if (arg == "--balance") {
      result.balance = net::parse_balance_policy(value());
    } else if (arg == "--idle-spin") {
      const std::string_view text = value();
      result.idle_spin_us = text == "0" ? 0u : parse_count(arg, text);
    } else if (arg == "--stats") {
      result.stats = value();
    } else {
      throw std::invalid_argument("unknown option '" + std::string(arg) + "'");
    }
  }
  return result;
}

std::string usage_text(const std::string& program) {
  return "usage: " + program +
         " [--listen HOST:PORT] [--cores N] [--balance rr|least-loaded|reuseport]\n"
         "       [--idle-spin US] [--stats HOST:PORT]\n"
         "\n"
         "A TCP echo server on every core: each connection lives on one core and gets back every\n"
         "byte it sends. Stops cleanly on SIGINT or SIGTERM.\n"
         "\n"
         "  --listen HOST:PORT   where to accept connections (default 127.0.0.1:7000; port 0 picks one)\n"
         "  --cores N            reactors (default: one per physical core allowed)\n"
         "  --balance POLICY     rr (default): one acceptor deals connections to the cores in turn;\n"
         "                       least-loaded: to the core with the fewest open connections;\n"
         "                       reuseport: one SO_REUSEPORT acceptor per core, the kernel spreads\n"
         "  --stats HOST:PORT    serve per-core counters over HTTP: GET /stats (JSON), GET /metrics\n"
         "                       (Prometheus); off by default\n"
         "  --idle-spin US       how long an idle core polls before it sleeps in epoll (default 0:\n"
         "                       echo never messages between cores, so spinning buys nothing but CPU)\n"
         "  -h, --help           show this text\n";
}

}  // namespace shardmq::echo
