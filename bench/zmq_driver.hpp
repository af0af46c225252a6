#pragma once
// The driver of shardmq-bench-zmq: every selected scenario, pair by pair, each side in its own
// processes, and the RESULT lines.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shardmq::bench::zmq_bench {

struct driver_options {
  unsigned pairs = 7;
  bool quick = false;
  std::vector<std::string> scenarios;     ///< empty: all
  std::optional<std::uint64_t> messages;  ///< overrides every scenario's measured count
  std::optional<int> nice;                ///< the peers' autogroup nice (--nice)
};

/// Runs the scenarios; 0 when every run completed (goals are reported, not enforced), 1 when a
/// run failed. `program` is the bench binary (re-executed in peer mode).
int run_driver(const driver_options& options, const std::string& program);

}  // namespace shardmq::bench::zmq_bench
