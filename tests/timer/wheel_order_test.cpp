// The wheel fires every timer exactly once, never early, at the first advance() that reaches its
// deadline rounded up to a tick, and in deadline order: across levels, over idle gaps, for a
// million random deadlines, for deadlines days to years away, and under clock jumps.

#include "wheel_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <vector>

namespace shardmq::testing {
namespace {

constexpr auto tick = default_timer_tick;

TEST(timer_wheel, fires_at_the_first_advance_that_reaches_the_rounded_up_deadline) {
  timer_wheel wheel(synthetic());
  probe p;
  p.arm(wheel, at(1ms + 30us));  // rounded up to 1.1 ms
  EXPECT_EQ(wheel.advance(at(1ms + 30us)), 0u) << "fired before its tick was reached";
  EXPECT_EQ(wheel.advance(at(1ms + 99us)), 0u);
  EXPECT_EQ(wheel.advance(at(1ms + 100us)), 1u);
  EXPECT_EQ(p.fired, 1);
  EXPECT_FALSE(p.armed());
  EXPECT_EQ(wheel.advance(at(1s)), 0u);
  EXPECT_EQ(p.fired, 1);
}

TEST(timer_wheel, a_deadline_on_a_tick_boundary_fires_on_that_tick) {
  timer_wheel wheel(synthetic());
  probe p;
  p.arm(wheel, at(5ms));
  EXPECT_EQ(wheel.advance(at(5ms - 1ns)), 0u);
  EXPECT_EQ(wheel.advance(at(5ms)), 1u);
}

TEST(timer_wheel, orders_timers_across_every_level_and_the_overflow_list) {
  timer_wheel wheel(synthetic());
  std::vector<firing> log;
  // One deadline per level (level 0 spans 64 ticks = 6.4 ms, each next level 64x more), plus one
  // beyond the horizon, armed in scrambled order.
  const std::vector<std::chrono::nanoseconds> deadlines = {300ms,     3ms, 24h,     2s,     200us, 90min,
                                                           100 * 24h, 40s, 5 * 24h, 6500us, 410ms};
  std::vector<probe> probes(deadlines.size());
  for (std::size_t i = 0; i < deadlines.size(); ++i) {
    probes[i].id = static_cast<int>(i);
    probes[i].log = &log;
    probes[i].arm(wheel, at(deadlines[i]));
  }
  EXPECT_EQ(wheel.size(), deadlines.size());
  EXPECT_EQ(wheel.advance(at(365 * 24h)), deadlines.size());
  ASSERT_EQ(log.size(), deadlines.size());
  for (std::size_t i = 1; i < log.size(); ++i) EXPECT_LT(log[i - 1].deadline, log[i].deadline) << i;
  EXPECT_GT(wheel.stats().cascades, 0u);
  EXPECT_TRUE(wheel.empty());
  EXPECT_FALSE(wheel.next_deadline());
}

TEST(timer_wheel, each_timer_fires_in_the_advance_that_first_reaches_it_when_stepping) {
  timer_wheel wheel(synthetic());
  std::vector<firing> log;
  std::vector<probe> probes(200);
  std::mt19937_64 random(7);
  std::uniform_int_distribution<std::int64_t> ns(0, std::int64_t{20'000'000'000});  // 20 s
  for (std::size_t i = 0; i < probes.size(); ++i) {
    probes[i].id = static_cast<int>(i);
    probes[i].log = &log;
    probes[i].arm(wheel, at(std::chrono::nanoseconds(ns(random))));
  }
  // Steps of varied length (some tiny, some across whole levels).
  std::uniform_int_distribution<std::int64_t> step(1, 400'000'000);
  time_point now = at(0ns);
  while (!wheel.empty()) {
    const time_point previous = now;
    now += std::chrono::nanoseconds(step(random) >> (random() % 20));
    const std::size_t before = log.size();
    wheel.advance(now);
    for (std::size_t i = before; i < log.size(); ++i) {
      const time_point due = rounded_up(log[i].deadline, tick);
      ASSERT_LE(due, now) << "fired early";
      ASSERT_GT(due, previous) << "fired late: an earlier advance had reached it";
    }
  }
  EXPECT_EQ(log.size(), probes.size());
}

/// The million-timer test keeps bare 32-byte nodes (no probe) so that its working set stays small;
/// a node's index is its offset in the array.
struct million_run {
  static inline std::vector<std::uint32_t>* fired_log = nullptr;
  static inline const timer_node* base = nullptr;
  static void on_wheel_event(timer_node& node, timer_event) {
    fired_log->push_back(static_cast<std::uint32_t>(&node - base));
  }
};

TEST(timer_wheel, a_million_random_timers_fire_exactly_once_in_deadline_order) {
  constexpr std::size_t count = 1'000'000;
  timer_wheel wheel(synthetic());
  std::vector<std::uint32_t> log;
  log.reserve(count);
  auto nodes = std::make_unique<timer_node[]>(count);
  million_run::fired_log = &log;
  million_run::base = nodes.get();
  std::vector<time_point> due(count);  // rounded up
  std::mt19937_64 random(42);
  // Deadlines up to an hour: levels 0 to 4 and all their cascades.
  std::uniform_int_distribution<std::int64_t> ns(0, std::int64_t{3'600'000'000'000});
  for (std::size_t i = 0; i < count; ++i) {
    const time_point deadline = at(std::chrono::nanoseconds(ns(random)));
    due[i] = rounded_up(deadline, tick);
    nodes[i].on_event = &million_run::on_wheel_event;
    wheel.arm(nodes[i], deadline);
  }
  ASSERT_EQ(wheel.size(), count);
  // Advance in uneven steps of up to ~2 s, as a reactor's turns would.
  std::uniform_int_distribution<std::int64_t> step(1, 2'000'000'000);
  time_point now = at(0ns);
  std::size_t fired = 0;
  while (!wheel.empty()) {
    const time_point previous = now;
    now += std::chrono::nanoseconds(step(random) >> (random() % 12));
    const std::size_t before = log.size();
    fired += wheel.advance(now);
    for (std::size_t i = before; i < log.size(); ++i) {
      ASSERT_LE(due[log[i]], now) << "fired early";
      ASSERT_GT(due[log[i]], previous) << "fired late";
    }
  }
  EXPECT_EQ(fired, count);
  ASSERT_EQ(log.size(), count);
  for (std::size_t i = 1; i < count; ++i) ASSERT_LE(due[log[i - 1]], due[log[i]]) << "at " << i;
  std::vector<bool> seen(count);
  for (const std::uint32_t id : log) {
    ASSERT_FALSE(seen[id]) << "fired twice: " << id;
    seen[id] = true;
  }
  const timer_wheel_stats& stats = wheel.stats();
  EXPECT_EQ(stats.armed, count);
  EXPECT_EQ(stats.fired, count);
  // A timer moves down at most once per level it starts above (here at most level 4).
  EXPECT_LE(stats.cascaded_timers, 4 * count);
}

TEST(timer_wheel, deadlines_of_days_weeks_and_years_fire_on_time_with_few_wake_ups) {
  timer_wheel wheel(synthetic());
  std::vector<firing> log;
  const std::vector<std::chrono::nanoseconds> deadlines = {
      24h + 1ms, 7 * 24h + 250us, 30 * 24h, 79 * 24h, 80 * 24h, 365 * 24h + 3s, 10 * 365 * 24h};
  EXPECT_LT(wheel.horizon(), 80 * 24h);  // the last three wait in the overflow list
  std::vector<probe> probes(deadlines.size());
  for (std::size_t i = 0; i < deadlines.size(); ++i) {
    probes[i].id = static_cast<int>(i);
    probes[i].log = &log;
    probes[i].arm(wheel, at(deadlines[i]));
  }
  // A reactor that sleeps until next_deadline() each time.
  int wake_ups = 0;
  while (auto next = wheel.next_deadline()) {
    ++wake_ups;
    const std::size_t before = log.size();
    wheel.advance(*next);
    for (std::size_t i = before; i < log.size(); ++i) {
      EXPECT_EQ(rounded_up(log[i].deadline, tick), *next) << "timer " << log[i].id;
    }
  }
  ASSERT_EQ(log.size(), deadlines.size());
  for (std::size_t i = 0; i < log.size(); ++i) EXPECT_EQ(log[i].id, static_cast<int>(i));
  // next_deadline() is exact: each wake-up fires one of them.
  EXPECT_EQ(wake_ups, static_cast<int>(deadlines.size()));
}

TEST(timer_wheel, a_deadline_at_the_end_of_time_never_fires_and_overflows_nothing) {
  timer_wheel wheel(synthetic());
  probe never, late;
  never.arm(wheel, time_point::max());
  late.arm(wheel, at(100 * 365 * 24h));
  EXPECT_EQ(wheel.next_deadline(), at(100 * 365 * 24h));
  EXPECT_EQ(wheel.advance(at(100 * 365 * 24h)), 1u);
  // time_point::max() rounded up to a tick lies beyond every representable time.
  EXPECT_EQ(wheel.next_deadline(), time_point::max());
  EXPECT_EQ(wheel.advance(time_point::max()), 0u);
  EXPECT_TRUE(never.armed());
  EXPECT_EQ(wheel.size(), 1u);
}

TEST(timer_wheel, a_clock_going_backwards_is_no_time_passing) {
  timer_wheel wheel(synthetic());
  probe early, late;
  early.arm(wheel, at(150ms));
  late.arm(wheel, at(250ms));
  EXPECT_EQ(wheel.advance(at(200ms)), 1u);
  EXPECT_EQ(wheel.now(), at(200ms));
  EXPECT_EQ(wheel.advance(at(100ms)), 0u);  // backwards
  EXPECT_EQ(wheel.now(), at(200ms));
  EXPECT_EQ(wheel.advance(at(240ms)), 0u);
  EXPECT_EQ(wheel.advance(at(250ms)), 1u);
  // A deadline the wheel has already passed fires at the next advance, even one whose `now`
  // lags behind: the wheel's time never goes back.
  probe past;
  past.arm(wheel, at(220ms));
  EXPECT_EQ(wheel.next_deadline(), wheel.now());
  EXPECT_EQ(wheel.advance(at(50ms)), 1u);
  EXPECT_EQ(past.fired, 1);
}

TEST(timer_wheel, a_big_jump_forward_fires_everything_due_in_order_in_one_advance) {
  timer_wheel wheel(synthetic());
  std::vector<firing> log;
  const std::vector<std::chrono::nanoseconds> deadlines = {48h, 1ms, 1h, 1s, 30 * 24h};
  std::vector<probe> probes(deadlines.size());
  for (std::size_t i = 0; i < deadlines.size(); ++i) {
    probes[i].id = static_cast<int>(i);
    probes[i].log = &log;
    probes[i].arm(wheel, at(deadlines[i]));
  }
  EXPECT_EQ(wheel.advance(at(3 * 24h)), 4u);
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].id, 1);
  EXPECT_EQ(log[1].id, 3);
  EXPECT_EQ(log[2].id, 2);
  EXPECT_EQ(log[3].id, 0);
  EXPECT_EQ(wheel.size(), 1u);
  EXPECT_EQ(wheel.next_deadline(), at(30 * 24h));
}

TEST(timer_wheel, a_wheel_started_at_the_real_clock_fires_relative_to_it) {
  const time_point start = timer_wheel::clock::now();
  timer_wheel wheel(timer_wheel_options{.start = start});
  probe p;
  p.arm(wheel, start + 2s);
  EXPECT_EQ(wheel.advance(start + 1s), 0u);
  EXPECT_EQ(wheel.advance(start + 2s + tick), 1u);
}

TEST(timer_wheel, other_ticks_round_to_their_own_granularity) {
  timer_wheel wheel(synthetic(1ms));
  EXPECT_EQ(wheel.tick(), 1ms);
  probe p;
  p.arm(wheel, at(10ms + 1ns));
  EXPECT_EQ(wheel.next_deadline(), at(11ms));
  EXPECT_EQ(wheel.advance(at(11ms - 1ns)), 0u);
  EXPECT_EQ(wheel.advance(at(11ms)), 1u);
  EXPECT_THROW(timer_wheel(synthetic(0ns)), std::invalid_argument);
}

}  // namespace
}  // namespace shardmq::testing
