// Zero heap allocations per buffer acquire/release in steady state, on the owner and through the
// foreign-release path, counted by tests/support/heap_counter.

#include <gtest/gtest.h>
#include <shardmq/alloc/buffer_pool.hpp>

#include "heap_counter.hpp"

#include <atomic>
#include <thread>
#include <vector>

namespace shardmq::alloc {
namespace {

TEST(buffer_pool_allocation, acquire_split_and_release_on_the_owner_allocate_nothing) {
  buffer_pool pool;
  pool.bind_to_this_thread();
  std::uint64_t checksum = 0;
  shardmq::testing::start_counting_allocations();
  for (int i = 0; i < 100'000; ++i) {
    slice buffer = pool.acquire(buffer_pool::class_sizes[i % 3]);
    slice frame = buffer.split_front(64);
    slice copy = frame.share();
    frame.data()[0] = std::byte{1};
    checksum += static_cast<std::uint64_t>(copy.data()[0]) + buffer.size();
  }
  const std::uint64_t allocations = shardmq::testing::stop_counting_allocations();
  buffer_pool::unbind_this_thread();
  EXPECT_EQ(allocations, 0u) << "heap allocations during 100 000 acquire/split/release";
  EXPECT_GT(checksum, 0u);
}

TEST(buffer_pool_allocation, releases_on_another_thread_and_the_drain_allocate_nothing) {
  buffer_pool pool;
  pool.bind_to_this_thread();
  std::vector<slice> batch;
  batch.reserve(64);
  std::vector<slice> away;
  away.reserve(64);
  std::atomic<int> phase{0};  // 1: batch ready for the other thread, 2: released there, 3: stop
  std::thread other([&] {
    for (;;) {
      int p;
      while ((p = phase.load(std::memory_order_acquire)) == 0 || p == 2) std::this_thread::yield();
      if (p == 3) return;
      away.clear();
      phase.store(2, std::memory_order_release);
    }
  });
  shardmq::testing::start_counting_allocations();
  for (int round = 0; round < 500; ++round) {
    for (int i = 0; i < 64; ++i) away.push_back(pool.acquire(16384));  // capacity reserved: no allocation
    phase.store(1, std::memory_order_release);
    while (phase.load(std::memory_order_acquire) != 2) std::this_thread::yield();
    phase.store(0, std::memory_order_relaxed);
    pool.drain_remote_releases();
  }
  const std::uint64_t allocations = shardmq::testing::stop_counting_allocations();
  phase.store(3, std::memory_order_release);
  other.join();
  EXPECT_EQ(allocations, 0u) << "heap allocations during 32 000 foreign releases";
  EXPECT_EQ(pool.stats().classes[1].in_use(), 0u);
  EXPECT_EQ(pool.stats().classes[1].remote_releases, 500u * 64u);
  buffer_pool::unbind_this_thread();
}

}  // namespace
}  // namespace shardmq::alloc
