// shardmq-bench-zmq: our ZeroMQ sockets against libzmq 4.3, same run, same machine, TCP loopback
// (and inproc). The driver starts this binary again in peer mode (--role ...) for each side of
// each run; see bench/README.md.

#include "paired_command_line.hpp"
#include "zmq_driver.hpp"
#include "zmq_role.hpp"
#include "zmq_scenarios.hpp"

#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace shardmq::bench;
using namespace shardmq::bench::zmq_bench;

std::string usage_text() {
  std::string text =
      "usage: shardmq-bench-zmq [--pairs N] [--quick] [--scenarios a,b] [--messages N] [--nice N] [--help]\n"
      "\n"
      "Our ZeroMQ sockets (shardmq::net::zmq) against libzmq, each comparison in alternating pairs of\n"
      "runs (ours, libzmq, and libzmq again for the null pair), each run in fresh processes: server\n"
      "pinned to CPU 0, client to CPU 1. Prints one RESULT line per comparison (the median of the\n"
      "per-pair ratios), NOTE lines for context, SKIP lines for what our sockets cannot run yet.\n"
      "\n"
      "  --pairs N        pairs per comparison (default 7)\n"
      "  --quick          smoke run: 2 pairs, runs ~50x shorter (what ctest bench.zmq_smoke runs)\n"
      "  --scenarios L    comma-separated scenarios (default: all)\n"
      "  --messages N     measured messages (round trips, replies) per run in every scenario,\n"
      "                   instead of each scenario's own count (warm-up: N/10)\n"
      "  --nice N         the autogroup nice of every peer (each runs in a session of its own);\n"
      "                   below 0 needs root, and shields the peers from other sessions' load\n"
      "\n"
      "Scenarios:\n";
  for (const zmq_scenario& s : zmq_scenarios()) text += "  " + s.name + ": " + s.what + "\n";
  text +=
      "\n"
      "Peer mode (started by the driver): --role "
      "pull|push|push_each|rep|req|router|dealers|inproc|tcp_echo|tcp_ping\n"
      "  --impl ours|libzmq|raw --endpoint E --messages N --warmup N --size B --dealers N --window N\n";
  return text;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

std::string own_path() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) {
    std::perror("shardmq-bench-zmq: readlink /proc/self/exe");
    std::exit(1);
  }
  path[n] = '\0';
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--role") == 0) return run_role(parse_role_options(argc, argv));
  }
  // "--scenarios X", "--messages X" and "--nice X" become "--flag=X" for the shared parser.
  std::vector<std::string> joined;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--scenarios" || arg == "--messages" || arg == "--nice") && i + 1 < argc) {
      joined.push_back(arg + "=" + argv[++i]);
    } else {
      joined.push_back(arg);
    }
  }
  std::vector<char*> args{argv[0]};
  for (std::string& arg : joined) args.push_back(arg.data());
  int count = static_cast<int>(args.size());

  const std::string usage = usage_text();
  paired_command_line line{"shardmq-bench-zmq", usage.c_str(), 7, 2};
  driver_options options;
  line.parse(count, args.data(), [&](const std::string& arg) {
    if (arg.rfind("--scenarios=", 0) == 0) {
      options.scenarios = split_list(arg.substr(std::strlen("--scenarios=")));
      return true;
    }
    if (arg.rfind("--messages=", 0) == 0) {
      const std::string value = arg.substr(std::strlen("--messages="));
      char* end = nullptr;
      const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n == 0) line.usage_error("--messages wants a positive number");
      options.messages = n;
      return true;
    }
    if (arg.rfind("--nice=", 0) == 0) {
      const std::string value = arg.substr(std::strlen("--nice="));
      char* end = nullptr;
      const long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n < -20 || n > 19) line.usage_error("--nice wants -20 to 19");
      options.nice = static_cast<int>(n);
      return true;
    }
    return false;
  });
  options.pairs = line.pairs;
  options.quick = line.quick;
  return run_driver(options, own_path());
}
