#pragma once
// The peer mode of shardmq-bench-zmq: the driver starts the bench binary again as each side of a
// run (`--role pull --impl ours --endpoint tcp://127.0.0.1:* ...`), pinned to its own CPU. A
// role talks to the driver through single lines on stdout:
//
//   READY <endpoint>     a server has bound (the real port in place of '*')
//   START                the measuring side begins its window (the driver samples CPU time)
//   DONE messages=N seconds=S p50_ns=X p99_ns=Y cpu_ns=C    the window ended (percentiles for
//                        round trips; C: this process's CPU time in the window)
//   STATS ...            ours: what the measuring side's reactor did in the window
//   SKIP <reason>        this implementation cannot run the role (e.g. no inproc transport)
//
// Errors go to stderr; a role that finds a lost, repeated or reordered message exits 3.

#include "latency_histogram.hpp"
#include "measurement.hpp"
#include "server_process_probe.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace shardmq::bench::zmq_bench {

/// What one peer process does.
struct role_options {
  std::string role;  ///< pull, push, rep, req, router, dealers, inproc, tcp_echo, tcp_ping
  std::string impl;  ///< ours, libzmq, raw (tcp_echo and tcp_ping only)
  std::string endpoint = "tcp://127.0.0.1:*";
  std::uint64_t messages = 100000;  ///< measured messages (or round trips, or replies)
  std::uint64_t warmup = 10000;     ///< before the window
  std::size_t size = 64;            ///< payload bytes of every message
  unsigned dealers = 4;             ///< dealers: sockets in the client
  unsigned window = 1;              ///< dealers: messages in flight per socket
};

/// Parses the peer-mode arguments (after detecting --role); exits 2 on a bad one.
role_options parse_role_options(int argc, char** argv);
/// Runs the role; the process's exit status.
int run_role(const role_options& options);

int run_libzmq_role(const role_options& options);
int run_ours_role(const role_options& options);
int run_raw_tcp_role(const role_options& options);

// --- the line protocol -----------------------------------------------------------------------

inline void report_line(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}
inline void report_ready(const std::string& endpoint) { report_line("READY " + endpoint); }
inline void report_skip(const std::string& reason) { report_line("SKIP " + reason); }

/// [[noreturn]] failure of a role: the reason on stderr, exit 1 (3 for a wrong message).
[[noreturn]] inline void fail_role(const std::string& what, int status = 1) {
  std::fprintf(stderr, "shardmq-bench-zmq peer: %s\n", what.c_str());
  std::fflush(stderr);
  std::_Exit(status);
}

/// CPU time of this process so far, all threads (/proc/self/task/*/schedstat), ns.
inline std::uint64_t own_cpu_ns() { return server_cpu_ns(getpid()).value_or(0); }

/// The measured window of the measuring side: START when it opens, DONE when it closes. The
/// side measures its own CPU time (the driver samples only the other peer: this one may be gone
/// by the time the driver reads DONE).
class measured_window {
 public:
  void open() {
    cpu_at_open_ = own_cpu_ns();
    report_line("START");
    start_ = bench_clock::now();
  }
  /// Closes the window after `operations`; `latencies` (when given) adds p50/p99.
  void close(std::uint64_t operations, const latency_histogram* latencies = nullptr) const {
    const double seconds = seconds_between(start_, bench_clock::now());
    const std::uint64_t cpu = own_cpu_ns() - cpu_at_open_;
    char line[256];
    std::snprintf(line, sizeof line, "DONE messages=%llu seconds=%.9g p50_ns=%.6g p99_ns=%.6g cpu_ns=%llu",
                  static_cast<unsigned long long>(operations), seconds,
                  latencies ? latencies->quantile(0.50) : 0.0, latencies ? latencies->quantile(0.99) : 0.0,
                  static_cast<unsigned long long>(cpu));
    report_line(line);
  }
  bench_clock::time_point started() const noexcept { return start_; }

 private:
  bench_clock::time_point start_;
  std::uint64_t cpu_at_open_ = 0;
};

// --- payloads: every message carries its sequence number in its first 8 bytes ----------------

/// A payload of `size` bytes (at least 8) reused for every message, the sequence number
/// rewritten in front: each side copies it into a message once, as a user's send would.
class payload {
 public:
  explicit payload(std::size_t size) : bytes_(size < 8 ? 8 : size) {
    for (std::size_t i = 8; i < bytes_.size(); ++i) bytes_[i] = static_cast<std::byte>(i * 7 + 1);
  }
  std::span<const std::byte> with_sequence(std::uint64_t sequence) {
    std::memcpy(bytes_.data(), &sequence, sizeof sequence);
    return bytes_;
  }

 private:
  std::vector<std::byte> bytes_;
};

/// The sequence number in front of a received body; exits 3 when the body is not `size` bytes.
inline std::uint64_t sequence_of(const void* data, std::size_t bytes, std::size_t size) {
  if (bytes != (size < 8 ? 8 : size)) {
    fail_role("received a body of " + std::to_string(bytes) + " bytes, sent " + std::to_string(size), 3);
  }
  std::uint64_t sequence = 0;
  std::memcpy(&sequence, data, sizeof sequence);
  return sequence;
}

/// Checks that a single sender's messages arrive in order, none lost or repeated.
inline void expect_sequence(std::uint64_t got, std::uint64_t expected) {
  if (got != expected) {
    fail_role("message " + std::to_string(expected) + " arrived as sequence " + std::to_string(got), 3);
  }
}

}  // namespace shardmq::bench::zmq_bench
