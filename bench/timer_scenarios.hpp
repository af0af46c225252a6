#pragma once
// The timed runs of shardmq-bench-timer: one workload on our wheel and on asio::steady_timer, each
// side's timers built once and reused by every run, so that only arming, cancelling and firing
// are timed.

#include "measurement.hpp"

#include <time.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace shardmq::bench {

/// How much each run does; the defaults take ~10-300 ms per run on the reference VM.
struct timer_bench_sizes {
  std::size_t batch = 1000;              ///< timers armed, then cancelled, then reaped together
  std::uint64_t ours_batches = 2000;     ///< per arm+cancel run of the wheel
  std::uint64_t asio_batches = 200;      ///< per arm+cancel run of asio (~20x slower per timer)
  std::size_t fired_timers = 1'000'000;  ///< per arm+fire run, on each side

  /// Batches and fired timers divided by `divisor` (at least 4 batches, 1000 timers), for smoke runs.
  timer_bench_sizes scaled_down(std::uint64_t divisor) const;
};

/// One timed run. Both sides run on one thread and never block (asio's deadlines are already due,
/// ours are on a synthetic clock), so the figure compared is the thread's CPU time: on a shared
/// machine wall time also counts whatever else held the CPU. Wall time is kept for a NOTE.
struct timer_run {
  std::uint64_t timers = 0;
  double cpu_seconds = 0;
  double wall_seconds = 0;
  double cpu_ns_per_timer() const noexcept { return timers ? cpu_seconds * 1e9 / double(timers) : 0; }
  double wall_ns_per_timer() const noexcept { return timers ? wall_seconds * 1e9 / double(timers) : 0; }
};

/// Starts both clocks at construction; finish() stops them.
class run_clock {
 public:
  run_clock() noexcept : wall_start_(bench_clock::now()), cpu_start_(thread_cpu_seconds()) {}
  timer_run finish(std::uint64_t timers) const noexcept {
    const double cpu_end = thread_cpu_seconds();
    return {timers, cpu_end - cpu_start_, seconds_between(wall_start_, bench_clock::now())};
  }

 private:
  static double thread_cpu_seconds() noexcept {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
  }
  bench_clock::time_point wall_start_;
  double cpu_start_;
};

/// Delays for the arm+cancel runs, the same on both sides: 1 ms to ~30 s, log-uniform, so that
/// the wheel's timers spread over levels 0 to 3 as heartbeats and time-outs would.
std::vector<std::chrono::nanoseconds> arm_cancel_delays(std::size_t count, std::uint64_t seed);
/// Deadline offsets for the arm+fire runs, uniform within one second.
std::vector<std::chrono::nanoseconds> fire_offsets(std::size_t count, std::uint64_t seed);

/// Our side: one timer_wheel and its shardmq::timer objects.
class wheel_runs {
 public:
  wheel_runs(const timer_bench_sizes& sizes, std::uint64_t seed);
  ~wheel_runs();
  /// `ours_batches` times: arm_at() `batch` timers (deadlines from one clock reading per batch),
  /// cancel() them all, one advance(). ns per timer.
  timer_run arm_cancel();
  /// Arms `fired_timers` timers within one second of the wheel's (synthetic) clock and advances
  /// it in 100 us steps, as a reactor turning every tick would, until all fired. ns per timer.
  timer_run arm_fire();

 private:
  struct state;
  std::unique_ptr<state> state_;
};

/// The baseline: asio::steady_timer on an io_context built as a reactor's (no locks).
class steady_timer_runs {
 public:
  steady_timer_runs(const timer_bench_sizes& sizes, std::uint64_t seed);
  ~steady_timer_runs();
  /// Its most favourable arm+cancel pattern: expires_at() + async_wait() on `batch` timers
  /// (deadlines from one clock reading per batch), cancel() them all, reap the aborted handlers
  /// with one poll(). ns per timer.
  timer_run arm_cancel();
  /// Arms `fired_timers` timers with deadlines spread over the second before now, so that one
  /// poll() fires them all (the heap work is that of future deadlines, minus the waiting). ns per
  /// timer.
  timer_run arm_fire();

 private:
  struct state;
  std::unique_ptr<state> state_;
};

/// Bytes one pending asio::steady_timer wait allocates (its operation, with a one-pointer
/// handler), measured through the handler's associated allocator.
std::size_t steady_timer_wait_allocation_bytes();

}  // namespace shardmq::bench
