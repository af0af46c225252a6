#pragma once
// What one timed run of a scenario yields, and how the bench converts it into rates and latencies.

#include <chrono>
#include <cstdint>

namespace shardmq::bench {

using bench_clock = std::chrono::steady_clock;

/// `operations` (messages delivered, or round trips completed) took `seconds` of wall time.
struct measurement {
  double seconds = 0;
  std::uint64_t operations = 0;

  double per_second() const noexcept { return seconds > 0 ? static_cast<double>(operations) / seconds : 0; }
  double ns_per_operation() const noexcept {
    return operations ? seconds * 1e9 / static_cast<double>(operations) : 0;
  }
};

inline double seconds_between(bench_clock::time_point from, bench_clock::time_point to) noexcept {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace shardmq::bench
