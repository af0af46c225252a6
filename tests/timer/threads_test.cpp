// Two threads, each with its own wheel and io_context, running timers and sleeps at the same
// time on the real clock: wheels share nothing, so each fires its own timers, once, in order,
// never early.

#include "io_loop.hpp"

#include <gtest/gtest.h>
#include <shardmq/timer/sleep.hpp>
#include <shardmq/timer/timer.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/use_awaitable.hpp>

#include <deque>
#include <random>
#include <thread>
#include <vector>

namespace shardmq::testing {
namespace {

using clock = timer_wheel::clock;

struct thread_report {
  std::size_t timers = 0;
  std::size_t fired_once = 0;
  std::size_t early = 0;
  std::size_t out_of_order = 0;
  int sleeps_done = 0;
  bool finished = false;
  timer_wheel_stats stats;
  const timer_wheel* wheel_seen = nullptr;
};

struct timer_record {
  clock::time_point deadline;
  int fired = 0;
};

void run_timers_on_this_thread(std::uint64_t seed, thread_report& report) {
  io_loop loop;
  report.wheel_seen = timer_wheel::local();
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> delay_us(500, 50'000);
  std::deque<timer_record> records(1000);
  std::deque<timer> timers;
  std::vector<clock::time_point> fired_deadlines;
  const auto start = clock::now();
  for (timer_record& record : records) {
    record.deadline = start + std::chrono::microseconds(delay_us(random));
    timer_record* r = &record;
    auto* fired = &fired_deadlines;
    timers.emplace_back(loop.wheel, [r, fired] {
      ++r->fired;
      if (clock::now() < r->deadline) r->deadline = clock::time_point::max();  // marks "early"
      fired->push_back(r->deadline);
    });
    timers.back().arm_at(record.deadline);
  }
  report.timers = records.size();
  asio::co_spawn(
      loop.io,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 5; ++i) {
          co_await sleep_for(2ms, asio::use_awaitable);
          ++report.sleeps_done;
        }
      },
      asio::detached);
  report.finished = loop.run_until([&] { return loop.wheel.empty() && report.sleeps_done == 5; }, 5000ms);
  const auto tick = loop.wheel.tick();
  for (std::size_t i = 1; i < fired_deadlines.size(); ++i) {
    // Within a tick: deadlines in the same tick may fire in any order.
    if (fired_deadlines[i] + tick <= fired_deadlines[i - 1]) ++report.out_of_order;
  }
  for (const timer_record& record : records) {
    report.fired_once += record.fired == 1 ? 1 : 0;
    report.early += record.deadline == clock::time_point::max() ? 1 : 0;
  }
  report.stats = loop.wheel.stats();
}

TEST(timer_threads, two_threads_with_their_own_wheels_run_timers_at_the_same_time) {
  thread_report reports[2];
  std::thread first(run_timers_on_this_thread, 11, std::ref(reports[0]));
  std::thread second(run_timers_on_this_thread, 12, std::ref(reports[1]));
  first.join();
  second.join();
  EXPECT_NE(reports[0].wheel_seen, reports[1].wheel_seen);
  EXPECT_EQ(timer_wheel::local(), nullptr) << "binding is per thread";
  for (const thread_report& r : reports) {
    EXPECT_TRUE(r.finished);
    EXPECT_EQ(r.fired_once, r.timers);
    EXPECT_EQ(r.early, 0u);
    EXPECT_EQ(r.out_of_order, 0u);
    EXPECT_EQ(r.sleeps_done, 5);
    EXPECT_EQ(r.stats.fired, r.timers + 5);
  }
}

}  // namespace
}  // namespace shardmq::testing
