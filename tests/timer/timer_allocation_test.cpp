// Zero heap allocations per arm, cancel, re-arm and fire in steady state, counted by
// tests/support/heap_counter (malloc and operator new replaced in this binary).

#include <gtest/gtest.h>
#include <shardmq/timer/sleep.hpp>
#include <shardmq/timer/timer.hpp>

#include <asio/bind_allocator.hpp>

#include "heap_counter.hpp"

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <deque>
#include <new>
#include <system_error>

namespace shardmq {
namespace {

using namespace std::chrono_literals;
using time_point = timer_wheel::time_point;

time_point at(std::chrono::nanoseconds since_epoch) { return time_point(since_epoch); }

struct workload {
  explicit workload(timer_wheel& w) : wheel(w) {
    for (int i = 0; i < 512; ++i) timers.emplace_back(wheel, [this] { ++fired; });
  }

  /// One round: arm everything over several levels, re-arm half, cancel a quarter, fire the rest.
  void round() {
    for (std::size_t i = 0; i < timers.size(); ++i) {
      timers[i].arm_at(now + std::chrono::microseconds(97 * (i + 1) * (1 + i % 7)));
    }
    for (std::size_t i = 0; i < timers.size(); i += 2) timers[i].arm_at(now + std::chrono::milliseconds(i));
    for (std::size_t i = 0; i < timers.size(); i += 4) timers[i].cancel();
    while (auto next = wheel.next_deadline()) {
      now = *next;
      wheel.advance(now);
    }
  }

  timer_wheel& wheel;
  std::deque<timer> timers;
  time_point now = at(0ns);
  std::size_t fired = 0;
};

TEST(timer_allocation, arm_cancel_rearm_and_fire_allocate_nothing) {
  timer_wheel wheel(timer_wheel_options{.start = at(0ns)});
  workload load(wheel);
  load.round();  // warm-up (nothing to warm, but the same shape as the other tests)
  const std::size_t fired_before = load.fired;
  shardmq::testing::start_counting_allocations();
  for (int i = 0; i < 50; ++i) load.round();
  const std::uint64_t allocations = shardmq::testing::stop_counting_allocations();
  EXPECT_GT(load.fired - fired_before, 50u * 300);
  EXPECT_GT(wheel.stats().cascaded_timers, 0u);
  EXPECT_EQ(allocations, 0u) << "heap allocations during 50 rounds of 512 timers";
}

/// One block of memory handed out again and again: a sleep bound to it allocates nothing.
struct reused_block {
  alignas(std::max_align_t) std::byte memory[256];
  bool in_use = false;
};

template <class T>
struct block_allocator {
  using value_type = T;
  explicit block_allocator(reused_block& b) noexcept : block(&b) {}
  template <class U>
  block_allocator(const block_allocator<U>& other) noexcept : block(other.block) {}
  T* allocate(std::size_t n) {
    if (block->in_use || n * sizeof(T) > sizeof block->memory) throw std::bad_alloc();
    block->in_use = true;
    return reinterpret_cast<T*>(block->memory);
  }
  void deallocate(T*, std::size_t) noexcept { block->in_use = false; }
  template <class U>
  bool operator==(const block_allocator<U>& other) const noexcept {
    return block == other.block;
  }
  reused_block* block;
};

TEST(timer_allocation, a_sleep_with_a_bound_allocator_allocates_nothing) {
  timer_wheel wheel(timer_wheel_options{.start = at(0ns)});
  reused_block block;
  int completed = 0;
  struct restart {
    timer_wheel* wheel;
    reused_block* block;
    int* completed;
    void operator()(std::error_code ec) const {
      if (ec) std::abort();
      if (++*completed % 1000 == 0) return;
      sleep_until(*wheel, wheel->now() + 1ms, asio::bind_allocator(block_allocator<void>(*block), *this));
    }
  };
  auto start = [&] {
    sleep_until(wheel, wheel.now() + 1ms,
                asio::bind_allocator(block_allocator<void>(block), restart{&wheel, &block, &completed}));
  };
  time_point now = at(0ns);
  auto run = [&] {
    start();
    while (auto next = wheel.next_deadline()) {
      now = *next;
      wheel.advance(now);
    }
  };
  run();
  shardmq::testing::start_counting_allocations();
  run();
  const std::uint64_t allocations = shardmq::testing::stop_counting_allocations();
  EXPECT_EQ(completed, 2000);
  EXPECT_EQ(allocations, 0u) << "heap allocations during 1000 sleeps";
}

TEST(timer_allocation, the_counter_sees_allocations_so_the_tests_above_can_fail) {
  shardmq::testing::start_counting_allocations();
  auto* p = new int(3);
  void* q = std::malloc(10);
  // Let the pointers escape, or the compiler may elide the new/delete and malloc/free pairs.
  asm volatile("" : : "r"(p), "r"(q) : "memory");
  const std::uint64_t counted = shardmq::testing::stop_counting_allocations();
  delete p;
  std::free(q);
  EXPECT_EQ(counted, 2u);
}

}  // namespace
}  // namespace shardmq
