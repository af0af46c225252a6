// A sleeping reactor is always woken: many rounds of sleep then wake. A lost wake-up would
// hang a round, which the deadline turns into a failure.

#include "engine_fixture.hpp"

#include <asio/detached.hpp>

#include <thread>

namespace shardmq {
namespace {

using testing::get_within_deadline;
using testing::run_on;

engine_config sleepy_config(unsigned cores) {
  engine_config config = testing::test_config(cores);
  config.idle_spin = std::chrono::microseconds(1);  // sleep almost at once
  return config;
}

std::uint64_t sleeps_of(engine& e, unsigned core) {
  return run_on(e, core, [] { return this_reactor().snapshot_stats().sleeps; });
}

TEST(wakeup, a_sleeping_reactor_is_woken_by_another_core_every_round) {
  SHARDMQ_REQUIRE_CORES(2);
  engine e(sleepy_config(2));
  e.start();
  constexpr int rounds = 2000;
  // Core 0 sends to core 1, which has gone to sleep; between rounds core 0 waits long enough
  // for core 1 to sleep again (spinning on a clock keeps core 0 itself from sleeping).
  std::promise<int> done;
  std::function<void(int)> round = [&](int n) {
    if (n == rounds) {
      done.set_value(n);
      return;
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
    while (std::chrono::steady_clock::now() < until) {
    }
    submit_to(
        1, [] { return this_core(); },
        [&, n](std::exception_ptr error, unsigned core) {
          ASSERT_FALSE(error);
          ASSERT_EQ(core, 1u);
          round(n + 1);
        });
  };
  const std::uint64_t sleeps_before = sleeps_of(e, 1);
  e.submit_to(
      0, [&] { round(0); }, asio::detached);
  auto future = done.get_future();
  EXPECT_EQ(get_within_deadline(future), rounds);
  const auto stats = e.collect_stats();
  e.stop();
  EXPECT_GT(stats[1].sleeps - sleeps_before, rounds / 2u) << "core 1 did not sleep: the test proves nothing";
  EXPECT_GT(stats[0].wakeups_sent, rounds / 2u);
  EXPECT_GT(stats[1].wakeups_received, rounds / 2u);
}

class wakeup_from_outside : public ::testing::TestWithParam<unsigned> {};

TEST_P(wakeup_from_outside, a_sleeping_reactor_is_woken_from_outside_every_round) {
  const unsigned cores = GetParam();
  SHARDMQ_REQUIRE_CORES(cores);
  engine e(sleepy_config(cores));
  e.start();
  for (unsigned round = 0; round < 500; ++round) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    EXPECT_EQ(run_on(e, round % cores, [] { return this_core(); }), round % cores);
  }
  const auto stats = e.collect_stats();
  e.stop();
  std::uint64_t sleeps = 0;
  for (const auto& s : stats) sleeps += s.sleeps;
  EXPECT_GT(sleeps, 250u) << "the reactors did not sleep: the test proves nothing";
}

INSTANTIATE_TEST_SUITE_P(cores, wakeup_from_outside, ::testing::Values(1u, 2u),
                         [](const auto& info) { return std::to_string(info.param) + "_cores"; });

TEST(wakeup, both_cores_ping_pong_through_sleep_without_losing_a_wake_up) {
  SHARDMQ_REQUIRE_CORES(2);
  // Each completion is handed on after a pause longer than idle_spin, so both reactors keep
  // falling asleep while messages are in flight in both directions.
  engine e(sleepy_config(2));
  e.start();
  constexpr int hops = 3000;
  std::promise<int> done;
  std::function<void(int)> hop = [&](int n) {
    if (n == hops) {
      done.set_value(n);
      return;
    }
    submit_to(
        1 - this_core(), [] { std::this_thread::sleep_for(std::chrono::microseconds(20)); },
        [&, n](std::exception_ptr) { hop(n + 1); });
  };
  e.run_on_all(
      [&] {
        if (this_core() == 0) hop(0);
      },
      asio::detached);
  auto future = done.get_future();
  EXPECT_EQ(get_within_deadline(future), hops);
  e.stop();
}

}  // namespace
}  // namespace shardmq
