#pragma once
// One run of one side of a comparison: a server peer pinned to CPU 0 and a client peer pinned to
// CPU 1 (or one process on both CPUs for inproc), the measuring one's window, and the CPU time
// both processes spent in it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shardmq::bench::zmq_bench {

/// One peer: `--role` and `--impl` of the bench binary in peer mode.
struct peer_spec {
  std::string role;  ///< empty: no such peer
  std::string impl;
};

/// What one side of a comparison runs.
struct run_spec {
  std::string label;  ///< "ours", "libzmq", "libzmq_again", "raw_tcp"
  peer_spec server;   ///< binds, pinned to CPU 0; none for a single-process run
  peer_spec client;   ///< connects, pinned to CPU 1 (a single-process run gets CPUs 0 and 1)
  bool client_measures = true;
};

/// The sizes of a run, the same for every side of a scenario.
struct run_settings {
  std::uint64_t messages = 0;
  std::uint64_t warmup = 0;
  std::size_t size = 64;
  unsigned dealers = 4;
  unsigned window = 1;
  double timeout_seconds = 60;
};

/// What a run yields. CPU times cover the measuring side's window (sampled by the driver when
/// it reads START and DONE).
struct run_outcome {
  bool ok = false;
  bool skipped = false;  ///< the peer printed SKIP: `reason` says why
  std::string reason;    ///< why it failed or was skipped
  std::string warning;   ///< e.g. the measuring peer did not exit cleanly after DONE
  std::uint64_t messages = 0;
  double seconds = 0;
  double p50_ns = 0;
  double p99_ns = 0;
  double server_cpu_ns = 0;
  double client_cpu_ns = 0;
  std::string reactor_stats;  ///< ours: the measuring peer's STATS line (its reactor in the window)

  double msgs_per_s() const noexcept { return seconds > 0 ? static_cast<double>(messages) / seconds : 0; }
  double server_cpu_per_msg() const noexcept {
    return messages ? server_cpu_ns / static_cast<double>(messages) : 0;
  }
  double client_cpu_per_msg() const noexcept {
    return messages ? client_cpu_ns / static_cast<double>(messages) : 0;
  }
  double cpu_per_msg() const noexcept { return server_cpu_per_msg() + client_cpu_per_msg(); }
};

/// Runs `spec` with `settings`; `program` is the bench binary; every peer gets `autogroup_nice`
/// (see peer_process). Never throws for a failed run.
run_outcome run_once(const std::string& program, const run_spec& spec, const run_settings& settings,
                     std::optional<int> autogroup_nice = std::nullopt);

/// The peer-mode arguments of `peer` (for messages and --help).
std::vector<std::string> peer_arguments(const peer_spec& peer, const run_settings& settings,
                                        const std::string& endpoint);

}  // namespace shardmq::bench::zmq_bench
