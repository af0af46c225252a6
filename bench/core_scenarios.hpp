#pragma once
// The table of timed scenarios of shardmq-bench-core, shared by the Google Benchmark runs and by
// the paired summary, so that both measure exactly the same thing.

#include "cross_thread_baselines.hpp"
#include "measurement.hpp"
#include "pinned_pair.hpp"
#include "submit_to_scenarios.hpp"

#include <shardmq/core/engine.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace shardmq::bench {

/// Operations per timed run; the defaults take about 0.1 s each on the reference VM.
struct core_bench_sizes {
  std::uint64_t submit_to_stream = 2'000'000;
  std::uint64_t mutex_queue_stream = 500'000;
  std::uint64_t asio_post_stream = 200'000;
  std::uint64_t spsc_stream = 10'000'000;
  std::uint64_t submit_to_round_trips = 100'000;
  std::uint64_t asio_post_round_trips = 8'000;
  std::uint64_t spsc_round_trips = 200'000;
  std::uint64_t in_flight_round_trips = 1'000'000;
  std::uint64_t asleep_round_trips = 400;

  /// Every size divided by `divisor` (at least 16 operations each), for smoke runs.
  core_bench_sizes scaled_down(std::uint64_t divisor) const;
};

/// Messages in flight for the throughput comparison: the engine's ring capacity, the capacity of
/// the mutex queue and of the SPSC floor, and asio::post's window.
inline constexpr std::uint64_t stream_window = 1024;
/// Seastar's published figure is for 128 round trips in flight.
inline constexpr std::uint64_t in_flight_window = 128;

/// What the scenarios run on: the started engine and baseline threads on the same two PUs.
struct core_bench_context {
  engine& ours;
  pinned_pair baseline_threads;
  stream_bounds bounds;
  core_bench_sizes sizes;
  asleep_round_trips last_asleep{};  ///< stats of the latest target-asleep run, for the NOTE
};

enum class figure { per_second, ns_per_operation };

/// One timed scenario: runs once per call of `run`.
struct core_scenario {
  std::string name;
  std::string unit;  ///< of value(): msg/s, round_trips/s or ns
  figure kind = figure::per_second;
  std::function<measurement()> run;

  double value(const measurement& m) const {
    return kind == figure::per_second ? m.per_second() : m.ns_per_operation();
  }
};

/// Scenario names, used by the summary to pair them.
namespace scenario {
inline constexpr const char* submit_to_stream = "submit_to_stream";
inline constexpr const char* mutex_queue_stream = "mutex_queue_stream";
inline constexpr const char* asio_post_stream = "asio_post_stream";
inline constexpr const char* spsc_stream = "spsc_stream";
inline constexpr const char* submit_to_round_trip = "submit_to_round_trip";
inline constexpr const char* asio_post_ping_pong = "asio_post_ping_pong";
inline constexpr const char* spsc_ping_pong = "spsc_ping_pong";
inline constexpr const char* submit_to_in_flight = "submit_to_128_in_flight";
inline constexpr const char* submit_to_target_asleep = "submit_to_round_trip_target_asleep";
}  // namespace scenario

/// All scenarios, ours first. `context` must outlive them.
std::vector<core_scenario> core_scenarios(core_bench_context& context);

}  // namespace shardmq::bench
