#pragma once
// The submit_to side of every comparison: reactor 0 submits to reactor 1 of a running engine.

#include "measurement.hpp"

#include <shardmq/core/engine.hpp>

#include <chrono>
#include <cstdint>

namespace shardmq::bench {

/// Core 0 keeps `window` submissions outstanding to core 1 and refills the window from each
/// completion handler, until `total` have completed. The function run on core 1 reads a counter
/// that lives there; the handler back on core 0 submits the next one. operations = `total`.
///   window 1024: one-way throughput (every message is delivered, run and acknowledged);
///   window 128:  round trips per second with 128 in flight (Seastar's figure);
///   window 1:    ping-pong round-trip latency with both reactors busy (polling, not asleep).
measurement submit_to_windowed(engine& e, std::uint64_t total, std::uint64_t window);

/// Round trips spaced `gap` apart (longer than idle_spin), so that core 1 is asleep in its
/// io_context each time and must be woken through its eventfd. Core 0 busy-waits the gap inside
/// the completion handler, so it never sleeps itself. operations = round trips measured; seconds
/// = the sum of their latencies (submit_to call to handler entry), gaps excluded.
struct asleep_round_trips {
  measurement latency;
  std::uint64_t target_sleeps = 0;   ///< core 1's sleeps during the run (stats delta)
  std::uint64_t target_wakeups = 0;  ///< eventfd wake-ups core 1 received during the run
  std::uint64_t wakeups_sent = 0;    ///< eventfd writes core 0 made during the run
};
asleep_round_trips submit_to_round_trips_target_asleep(engine& e, std::uint64_t round_trips,
                                                       std::chrono::microseconds gap);

/// A gap comfortably longer than the engine's idle_spin: 3 x idle_spin + 30 us (150 us by default),
/// so the target has surely gone to sleep. Much longer gaps (>= 300 us here) let the hypervisor
/// halt the vCPU, and the wake-up then costs ~100 us more: see bench/README.md.
std::chrono::microseconds sleep_inducing_gap(const engine& e);

}  // namespace shardmq::bench
