// Our side of shardmq-bench-timer, and the workload shared by both sides.

#include "timer_scenarios.hpp"

#include <shardmq/timer/timer.hpp>
#include <shardmq/timer/timer_wheel.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <random>
#include <stdexcept>

namespace shardmq::bench {

timer_bench_sizes timer_bench_sizes::scaled_down(std::uint64_t divisor) const {
  timer_bench_sizes s = *this;
  s.ours_batches = std::max<std::uint64_t>(4, ours_batches / divisor);
  s.asio_batches = std::max<std::uint64_t>(4, asio_batches / divisor);
  s.fired_timers = std::max<std::size_t>(1000, fired_timers / divisor);
  return s;
}

std::vector<std::chrono::nanoseconds> arm_cancel_delays(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> exponent(std::log(1e6), std::log(3e10));  // 1 ms .. 30 s
  std::vector<std::chrono::nanoseconds> delays(count);
  for (auto& d : delays) d = std::chrono::nanoseconds(static_cast<std::int64_t>(std::exp(exponent(random))));
  return delays;
}

std::vector<std::chrono::nanoseconds> fire_offsets(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<std::int64_t> ns(0, 999'999'999);
  std::vector<std::chrono::nanoseconds> offsets(count);
  for (auto& o : offsets) o = std::chrono::nanoseconds(ns(random));
  return offsets;
}

struct wheel_runs::state {
  state(const timer_bench_sizes& s, std::uint64_t seed)
      : sizes(s),
        delays(arm_cancel_delays(s.batch, seed)),
        offsets(fire_offsets(s.fired_timers, seed + 1)),
        fire_wheel(timer_wheel_options{.start = timer_wheel::time_point{}}) {
    std::uint64_t* counter = &fired;
    for (std::size_t i = 0; i < sizes.batch; ++i)
      cancel_timers.emplace_back(cancel_wheel, [counter] { ++*counter; });
    for (std::size_t i = 0; i < sizes.fired_timers; ++i) {
      fire_timers.emplace_back(fire_wheel, [counter] { ++*counter; });
    }
  }

  timer_bench_sizes sizes;
  std::vector<std::chrono::nanoseconds> delays;
  std::vector<std::chrono::nanoseconds> offsets;
  std::uint64_t fired = 0;
  timer_wheel cancel_wheel;  // on the real clock
  timer_wheel fire_wheel;    // on a synthetic clock: arm+fire needs no waiting
  timer_wheel::time_point fire_now{};
  // After the wheels: destroyed first.
  std::deque<timer> cancel_timers;
  std::deque<timer> fire_timers;
};

wheel_runs::wheel_runs(const timer_bench_sizes& sizes, std::uint64_t seed)
    : state_(std::make_unique<state>(sizes, seed)) {}
wheel_runs::~wheel_runs() = default;

timer_run wheel_runs::arm_cancel() {
  state& s = *state_;
  const std::uint64_t fired_before = s.fired;
  const run_clock timing;
  for (std::uint64_t b = 0; b < s.sizes.ours_batches; ++b) {
    // One clock reading per batch, as a reactor's turn has (both sides do the same).
    const timer_wheel::time_point now = timer_wheel::clock::now();
    auto delay = s.delays.begin();
    for (timer& t : s.cancel_timers) t.arm_at(now + *delay++);
    for (timer& t : s.cancel_timers) t.cancel();
    s.cancel_wheel.advance(now);  // the reactor's once-per-turn call
  }
  const timer_run run = timing.finish(s.sizes.ours_batches * s.sizes.batch);
  if (!s.cancel_wheel.empty() || s.fired != fired_before)
    throw std::logic_error("wheel arm+cancel: a timer survived");
  return run;
}

timer_run wheel_runs::arm_fire() {
  state& s = *state_;
  const std::uint64_t fired_before = s.fired;
  constexpr auto step = default_timer_tick;
  const run_clock timing;
  const timer_wheel::time_point base = s.fire_now;
  auto offset = s.offsets.begin();
  for (timer& t : s.fire_timers) t.arm_at(base + *offset++);
  timer_wheel::time_point now = base;
  while (!s.fire_wheel.empty()) {
    now += step;
    s.fire_wheel.advance(now);
  }
  s.fire_now = now;
  const timer_run run = timing.finish(s.sizes.fired_timers);
  if (s.fired - fired_before != s.sizes.fired_timers)
    throw std::logic_error("wheel arm+fire: a timer was lost");
  return run;
}

}  // namespace shardmq::bench
