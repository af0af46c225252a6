#pragma once
// The command line of shardmq-echo-load.

#include <netinet/in.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace shardmq::bench {

struct echo_load_options {
  sockaddr_in server{};
  std::vector<sockaddr_in> sources;  // empty: the kernel picks the source address
  unsigned connections = 1;
  unsigned depth = 1;
  std::size_t size = 64;
  double duration_s = 5;
  std::uint64_t messages = 0;  // non-zero: run until this many echoes instead of for a duration
  double warmup_s = 0;
  unsigned threads = 1;
  std::vector<int> pin_cpus;
  pid_t server_pid = 0;
  std::uint64_t idle = 0;  // non-zero: the idle-memory mode with this many connections
  double hold_s = 0.5;
  double timeout_s = 60;
  bool json = false;
};

/// Parses argv; prints usage and exits on --help (0) or on a bad command line (2).
echo_load_options parse_echo_load_options(int argc, char** argv);

}  // namespace shardmq::bench
