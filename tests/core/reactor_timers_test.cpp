// Each reactor drives its own timer wheel: timers fire on their core, an idle reactor sleeps until
// its next deadline and no later, coroutines sleep with use_awaitable, and an engine stop ends
// pending sleeps with operation_aborted.

#include "engine_fixture.hpp"

#include <shardmq/timer/sleep.hpp>
#include <shardmq/timer/timer.hpp>

#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <random>
#include <thread>

namespace shardmq {
namespace {

using namespace std::chrono_literals;
using testing::run_on;
using clock_type = std::chrono::steady_clock;

engine_config quick_to_sleep(unsigned cores) {
  engine_config config = testing::test_config(cores);
  config.idle_spin = std::chrono::microseconds(1);  // idle: asleep almost at once
  return config;
}

TEST(reactor_timers, a_reactor_with_only_a_timer_sleeps_and_wakes_at_its_deadline) {
  engine e(quick_to_sleep(1));
  e.start();
  std::promise<clock_type::time_point> fired;
  struct armed_timer {
    explicit armed_timer(std::promise<clock_type::time_point>& p)
        : t(this_reactor().timers(), [promise = &p] { promise->set_value(clock_type::now()); }) {}
    timer t;
  };
  const auto sleeps_before = run_on(e, 0, [] { return this_reactor().snapshot_stats().sleeps; });
  clock_type::time_point deadline;
  auto keeper = run_on(e, 0, [&] {
    auto kept = std::make_shared<armed_timer>(fired);
    deadline = clock_type::now() + 50ms;
    kept->t.arm_at(deadline);
    return kept;
  });
  auto when = fired.get_future();
  const clock_type::time_point at = testing::get_within_deadline(when);
  const auto stats = run_on(e, 0, [] { return this_reactor().snapshot_stats(); });
  run_on(e, 0, [&] {
    keeper.reset();  // the timer is destroyed on its core
    return 0;
  });
  e.stop();
  EXPECT_GE(at, deadline) << "fired early";
  EXPECT_LT(at - deadline, 1s) << "fired far too late";
  EXPECT_GT(stats.sleeps, sleeps_before) << "the reactor never slept while waiting";
  EXPECT_GE(stats.timer_alarms, 1u) << "the sleep was not ended by the timer's alarm";
  EXPECT_EQ(stats.timers_fired, 1u);
}

TEST(reactor_timers, a_coroutine_sleeps_on_its_reactor_with_use_awaitable) {
  engine e(quick_to_sleep(1));
  e.start();
  std::promise<clock_type::duration> slept;
  run_on(e, 0, [&] {
    asio::co_spawn(
        this_reactor().io_context(),
        [&]() -> asio::awaitable<void> {
          const auto start = clock_type::now();
          co_await sleep_for(10ms, asio::use_awaitable);
          slept.set_value(clock_type::now() - start);
        },
        [](std::exception_ptr) {});
    return 0;
  });
  auto future = slept.get_future();
  const auto duration = testing::get_within_deadline(future);
  e.stop();
  EXPECT_GE(duration, 10ms);
  EXPECT_LT(duration, 1s);
}

TEST(reactor_timers, an_engine_stop_ends_pending_sleeps_with_operation_aborted) {
  engine e(quick_to_sleep(1));
  e.start();
  std::atomic<int> aborted{0};
  std::atomic<int> completed{0};
  run_on(e, 0, [&] {
    for (int i = 0; i < 3; ++i) {
      asio::co_spawn(
          this_reactor().io_context(),
          [&]() -> asio::awaitable<void> {
            try {
              co_await sleep_for(1h, asio::use_awaitable);
              ++completed;
            } catch (const std::system_error& error) {
              if (error.code() == asio::error::operation_aborted) ++aborted;
            }
          },
          [](std::exception_ptr) {});
    }
    sleep_for(1h, [&](std::error_code error) {
      if (error == asio::error::operation_aborted) ++aborted;
    });
    return 0;
  });
  // Let the coroutines start and arm their sleeps, so that the stop meets four pending sleeps.
  for (int attempt = 0; attempt < 2000; ++attempt) {
    if (run_on(e, 0, [] { return this_reactor().snapshot_stats().timers_armed; }) == 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  e.stop();  // ASan reports any sleep operation or coroutine frame left behind
  EXPECT_EQ(aborted.load(), 4);
  EXPECT_EQ(completed.load(), 0);
}

TEST(reactor_timers, timers_on_two_cores_fire_on_their_own_cores) {
  SHARDMQ_REQUIRE_CORES(2);
  engine e(quick_to_sleep(2));
  e.start();
  constexpr int per_core = 1000;
  std::atomic<int> wrong_core{0};
  std::promise<void> all_fired;
  std::atomic<int> remaining{2 * per_core};
  auto all = e.run_on_all(
      [&] {
        const unsigned core = this_core();
        std::mt19937 random(core);
        for (int i = 0; i < per_core; ++i) {
          sleep_for(std::chrono::microseconds(random() % 20'000), [&, core](std::error_code error) {
            if (error || this_core() != core) ++wrong_core;
            if (--remaining == 0) all_fired.set_value();
          });
        }
      },
      asio::use_future);
  testing::get_within_deadline(all);
  auto done = all_fired.get_future();
  testing::get_within_deadline(done);
  const auto stats0 = run_on(e, 0, [] { return this_reactor().snapshot_stats(); });
  const auto stats1 = run_on(e, 1, [] { return this_reactor().snapshot_stats(); });
  e.stop();
  EXPECT_EQ(wrong_core.load(), 0);
  EXPECT_EQ(stats0.timers_fired, static_cast<std::uint64_t>(per_core));
  EXPECT_EQ(stats1.timers_fired, static_cast<std::uint64_t>(per_core));
  EXPECT_EQ(stats0.timers_armed + stats1.timers_armed, 0u);
}

}  // namespace
}  // namespace shardmq
