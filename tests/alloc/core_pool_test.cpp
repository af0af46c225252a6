// core_pool: size classes, a random workload checked against a model, owner lookup, the
// fallback path, and frees from other threads at scale.

#include <gtest/gtest.h>
#include <shardmq/alloc/core_pool.hpp>
#include <shardmq/alloc/pool_allocator.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <random>
#include <thread>
#include <vector>

namespace shardmq::alloc {
namespace {

/// Binds a pool to the test thread for the scope of a test.
struct bound_pool {
  explicit bound_pool(core_pool_options options = {}) : pool(options) { pool.bind_to_this_thread(); }
  ~bound_pool() { core_pool::unbind_this_thread(); }
  core_pool pool;
};

std::uint64_t total(const core_pool_stats& stats, std::uint64_t class_stats::*field) {
  std::uint64_t sum = 0;
  for (const class_stats& c : stats.classes) sum += c.*field;
  return sum;
}

TEST(size_classes, every_size_maps_to_the_smallest_class_that_holds_it) {
  for (std::size_t size = 1; size <= size_classes::max_size; ++size) {
    const std::uint8_t c = size_classes::class_of(size);
    ASSERT_LT(c, size_classes::count);
    ASSERT_GE(size_classes::size_of(c), size);
    if (c > 0) {
      ASSERT_LT(size_classes::size_of(c - 1), size) << size;
    }
    if (size > 128) {
      ASSERT_LE(size_classes::size_of(c) - size, size_classes::size_of(c) / 4) << size;
    }
  }
  for (std::uint32_t s : size_classes::sizes) EXPECT_EQ(s % 16, 0u);
  EXPECT_EQ(size_classes::class_of(size_classes::max_size + 1), size_classes::none);
}

TEST(core_pool, a_random_workload_never_overlaps_keeps_alignment_and_every_byte_writable) {
  bound_pool p;
  std::mt19937_64 random(42);
  std::map<std::uintptr_t, std::pair<std::size_t, unsigned char>> live;  // start -> (size, fill)
  auto check_and_free = [&](std::map<std::uintptr_t, std::pair<std::size_t, unsigned char>>::iterator it) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(it->first);
    const auto [size, fill] = it->second;
    for (std::size_t i = 0; i < size; ++i) ASSERT_EQ(bytes[i], fill) << "block overwritten";
    core_pool::deallocate(reinterpret_cast<void*>(it->first));
    live.erase(it);
  };
  for (int step = 0; step < 200'000; ++step) {
    if (live.empty() || random() % 100 < 55) {
      // Mostly small sizes, some large ones, a few above the largest class (fallback).
      const std::size_t size = random() % 100 < 90 ? 1 + random() % 512 : 1 + random() % 20'000;
      void* memory = p.pool.allocate(size);
      const auto start = reinterpret_cast<std::uintptr_t>(memory);
      ASSERT_EQ(start % 16, 0u);
      auto next = live.lower_bound(start);
      if (next != live.end()) {
        ASSERT_LE(start + size, next->first) << "overlaps the next block";
      }
      if (next != live.begin()) {
        auto previous = std::prev(next);
        ASSERT_LE(previous->first + previous->second.first, start) << "overlaps the previous block";
      }
      const auto fill = static_cast<unsigned char>(random());
      std::memset(memory, fill, size);
      live.emplace(start, std::pair{size, fill});
    } else {
      auto it = live.begin();
      std::advance(it, random() % std::min<std::size_t>(live.size(), 64));
      check_and_free(it);
    }
  }
  while (!live.empty()) check_and_free(live.begin());
  const auto& stats = p.pool.stats();
  EXPECT_EQ(total(stats, &class_stats::allocations), total(stats, &class_stats::frees));
  EXPECT_GT(stats.fallbacks, 0u);
}

TEST(core_pool, finds_the_owner_and_class_of_a_block_of_every_class) {
  bound_pool p;
  core_pool other;
  for (std::uint8_t c = 0; c < size_classes::count; ++c) {
    void* block = p.pool.allocate(size_classes::size_of(c));
    EXPECT_EQ(core_pool::owner_of(block), &p.pool);
    EXPECT_EQ(p.pool.class_of(block), c);
    EXPECT_EQ(core_pool::owner_of(static_cast<char*>(block) + size_classes::size_of(c) - 1), &p.pool);
    core_pool::deallocate(block);
  }
  void* heap = std::malloc(64);
  int on_stack = 0;
  EXPECT_EQ(core_pool::owner_of(heap), nullptr);
  EXPECT_EQ(core_pool::owner_of(&on_stack), nullptr);
  std::free(heap);
}

TEST(core_pool, sizes_above_the_largest_class_fall_back_to_the_system_allocator_and_are_counted) {
  bound_pool p;
  void* big = p.pool.allocate(size_classes::max_size + 1);
  EXPECT_EQ(core_pool::owner_of(big), nullptr);
  std::memset(big, 1, size_classes::max_size + 1);
  EXPECT_EQ(p.pool.stats().fallbacks, 1u);
  core_pool::deallocate(big);  // goes to the system allocator (ASan would catch a mismatch)
}

TEST(core_pool, a_million_blocks_freed_on_another_thread_return_to_the_owners_lists) {
  constexpr std::size_t count = 1'000'000;
  std::vector<void*> blocks(count);
  core_pool* pool = nullptr;
  std::uint64_t spans_after_first_round = 0, spans_after_second_round = 0;
  std::atomic<int> phase{0};
  std::thread owner([&] {
    bound_pool p;
    pool = &p.pool;
    for (auto& block : blocks) block = p.pool.allocate(64);
    spans_after_first_round = p.pool.stats().classes[size_classes::class_of(64)].spans;
    phase = 1;
    while (phase.load() != 2) std::this_thread::yield();
    EXPECT_EQ(p.pool.drain_remote_frees(), count);
    const class_stats& c = p.pool.stats().classes[size_classes::class_of(64)];
    EXPECT_EQ(c.remote_frees, count);
    EXPECT_EQ(c.live(), 0u);
    // All back on the free lists: a second round needs no new span.
    for (auto& block : blocks) block = p.pool.allocate(64);
    spans_after_second_round = p.pool.stats().classes[size_classes::class_of(64)].spans;
    for (void* block : blocks) core_pool::deallocate(block);
  });
  std::thread freer([&] {
    while (phase.load() != 1) std::this_thread::yield();
    for (void* block : blocks) {
      ASSERT_EQ(core_pool::owner_of(block), pool);
      core_pool::deallocate(block);  // not this thread's pool: remote path
    }
    phase = 2;
  });
  freer.join();
  owner.join();
  EXPECT_EQ(spans_after_second_round, spans_after_first_round);
}

TEST(core_pool, concurrent_remote_frees_while_the_owner_allocates_and_drains) {
  // Two foreign threads free what the owner hands them while the owner keeps allocating and
  // draining: the counts must balance exactly and no block may be handed out twice.
  constexpr int per_freer = 200'000;
  struct handoff {
    std::vector<std::atomic<void*>> slots = std::vector<std::atomic<void*>>(per_freer);
  };
  handoff to_freer[2];
  std::atomic<int> freers_done{0};
  std::thread owner([&] {
    bound_pool p;
    for (int i = 0; i < per_freer; ++i) {
      for (auto& h : to_freer) {
        void* block = p.pool.allocate(1 + (i % 300));
        std::memset(block, 0xab, 1 + (i % 300));
        h.slots[i].store(block, std::memory_order_release);
      }
      if (i % 1000 == 0) p.pool.drain_remote_frees();
    }
    while (freers_done.load() != 2) std::this_thread::yield();
    p.pool.drain_remote_frees();
    const auto& stats = p.pool.stats();
    EXPECT_EQ(total(stats, &class_stats::allocations), 2u * per_freer);
    EXPECT_EQ(total(stats, &class_stats::remote_frees), 2u * per_freer);
  });
  std::vector<std::thread> freers;
  for (auto& h : to_freer) {
    freers.emplace_back([&h, &freers_done] {
      for (int i = 0; i < per_freer; ++i) {
        void* block;
        while ((block = h.slots[i].load(std::memory_order_acquire)) == nullptr) {
        }
        core_pool::deallocate(block);
      }
      freers_done.fetch_add(1);
    });
  }
  for (auto& t : freers) t.join();
  owner.join();
}

TEST(pool_allocator, standard_containers_live_in_the_pool_and_may_die_elsewhere) {
  bound_pool p;
  auto* numbers = new std::vector<int, pool_allocator<int>>();
  for (int i = 0; i < 1000; ++i) numbers->push_back(i);
  EXPECT_EQ(core_pool::owner_of(numbers->data()), &p.pool);
  std::map<int, int, std::less<>, pool_allocator<std::pair<const int, int>>> squares;
  for (int i = 0; i < 100; ++i) squares[i] = i * i;
  EXPECT_EQ(squares[9], 81);
  std::thread([numbers] { delete numbers; }).join();  // freed on a foreign thread
  EXPECT_GT(p.pool.drain_remote_frees(), 0u);
}

TEST(core_pool, reserves_and_pre_touches_up_front_when_asked) {
  core_pool_options options;
  options.reserve_bytes = 8 << 20;
  options.pre_touch = true;
  options.huge_pages = true;
  bound_pool p(options);
  EXPECT_GE(p.pool.stats().bytes_mapped, options.reserve_bytes);
  const auto mapped = p.pool.stats().bytes_mapped;
  std::vector<void*> blocks;
  for (int i = 0; i < 10'000; ++i) blocks.push_back(p.pool.allocate(256));  // 2.5 MiB: fits
  EXPECT_EQ(p.pool.stats().bytes_mapped, mapped) << "the reserve should have covered this";
  for (void* b : blocks) core_pool::deallocate(b);
}

}  // namespace
}  // namespace shardmq::alloc
