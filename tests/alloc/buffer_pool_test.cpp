// buffer_pool and slice: classes and alignment, slicing, the reference count on the owner,
// releases and shares on other threads (including the stress of both at once), the oversized
// fallback and the max_bytes bound.

#include <gtest/gtest.h>
#include <shardmq/alloc/buffer_pool.hpp>

#include <boost/lockfree/spsc_queue.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

namespace shardmq::alloc {
namespace {

/// Binds a pool to the test thread for the scope of a test.
struct bound_buffer_pool {
  explicit bound_buffer_pool(buffer_pool_options options = {}) : pool(options) { pool.bind_to_this_thread(); }
  ~bound_buffer_pool() { buffer_pool::unbind_this_thread(); }
  buffer_pool pool;
};

std::uint64_t in_use(const buffer_pool& pool) {
  std::uint64_t sum = 0;
  for (const buffer_class_stats& c : pool.stats().classes) sum += c.in_use();
  return sum;
}

TEST(buffer_pool, requests_get_the_smallest_class_that_fits_page_aligned_and_writable) {
  bound_buffer_pool p;
  for (std::size_t request : {std::size_t{1}, std::size_t{8192}, std::size_t{8193}, std::size_t{16384},
                              std::size_t{20000}, std::size_t{65536}}) {
    slice s = p.pool.acquire(request);
    ASSERT_TRUE(s);
    const std::size_t expected = buffer_pool::class_sizes[buffer_pool::class_for(request)];
    EXPECT_EQ(s.size(), expected) << request;
    EXPECT_EQ(s.buffer_capacity(), expected);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(s.data()) % 4096, 0u);
    std::memset(s.data(), 0xab, s.size());
  }
  EXPECT_EQ(in_use(p.pool), 0u);
  EXPECT_EQ(p.pool.stats().fallbacks, 0u);
}

TEST(buffer_pool, warm_buffers_are_mapped_at_construction_in_whole_chunks) {
  bound_buffer_pool p(buffer_pool_options{.warm_buffers = {1, 0, 17}});
  auto stats = p.pool.stats();
  EXPECT_EQ(stats.classes[0].buffers, buffer_pool::chunk_bytes / buffer_pool::class_sizes[0]);
  EXPECT_EQ(stats.classes[1].buffers, 0u);
  EXPECT_EQ(stats.classes[2].buffers, 2 * buffer_pool::chunk_bytes / buffer_pool::class_sizes[2]);
  // A class with nothing warm maps its first chunk on demand.
  slice s = p.pool.acquire(16384);
  stats = p.pool.stats();
  EXPECT_EQ(stats.classes[1].buffers, buffer_pool::chunk_bytes / buffer_pool::class_sizes[1]);
}

TEST(slice, split_share_and_trim_cut_views_of_one_buffer) {
  bound_buffer_pool p;
  slice whole = p.pool.acquire(8192);
  for (std::size_t i = 0; i < whole.size(); ++i) whole.data()[i] = static_cast<std::byte>(i);
  std::byte* const start = whole.data();

  slice first = whole.split_front(100);
  EXPECT_EQ(first.data(), start);
  EXPECT_EQ(first.size(), 100u);
  EXPECT_EQ(whole.data(), start + 100);
  EXPECT_EQ(whole.size(), 8192u - 100);

  slice middle = whole.share(10, 20);
  EXPECT_EQ(middle.data(), start + 110);
  EXPECT_EQ(middle.bytes()[0], static_cast<std::byte>(110));
  whole.trim_front(8);
  whole.trim_back(8000);
  EXPECT_EQ(whole.data(), start + 108);
  EXPECT_EQ(whole.size(), 8192u - 100 - 8 - 8000);

  EXPECT_THROW((void)whole.split_front(whole.size() + 1), std::out_of_range);
  EXPECT_THROW((void)whole.share(1, whole.size()), std::out_of_range);
  EXPECT_THROW(whole.trim_back(whole.size() + 1), std::out_of_range);
  slice empty_front = whole.split_front(0);
  EXPECT_TRUE(empty_front);
  EXPECT_TRUE(empty_front.empty());

  slice none;
  EXPECT_FALSE(none);
  EXPECT_FALSE(none.share());
  EXPECT_EQ(none.buffer_capacity(), 0u);
}

TEST(slice, the_buffer_returns_to_its_pool_only_with_the_last_slice) {
  bound_buffer_pool p;
  slice whole = p.pool.acquire(8192);
  std::byte* const buffer = whole.data();
  slice a = whole.split_front(1000);
  slice b = whole.split_front(1000);
  slice c = b.share();
  EXPECT_EQ(in_use(p.pool), 1u);
  whole.release();
  a = slice{};
  b.release();
  EXPECT_EQ(in_use(p.pool), 1u) << "c still holds it";
  slice moved = std::move(c);
  EXPECT_FALSE(c);
  EXPECT_EQ(in_use(p.pool), 1u);
  moved.release();
  EXPECT_EQ(in_use(p.pool), 0u);
  EXPECT_EQ(p.pool.stats().classes[0].returns, 1u);
  // Last in, first out: the next buffer of the class is the one just returned (warm in cache).
  slice again = p.pool.acquire(8192);
  EXPECT_EQ(again.data(), buffer);
}

TEST(slice, released_on_another_thread_it_comes_back_when_the_owner_drains) {
  bound_buffer_pool p;
  slice whole = p.pool.acquire(65536);
  std::vector<slice> pieces;
  while (!whole.empty()) pieces.push_back(whole.split_front(std::min<std::size_t>(whole.size(), 4096)));
  whole.release();
  ASSERT_EQ(pieces.size(), 16u);
  // Half are released here, half on a thread that has no pool of its own.
  std::vector<slice> away;
  for (std::size_t i = 0; i < pieces.size(); i += 2) away.push_back(std::move(pieces[i]));
  std::thread([&] { away.clear(); }).join();
  pieces.clear();
  EXPECT_EQ(in_use(p.pool), 1u) << "the foreign releases are not applied before the drain";
  EXPECT_TRUE(p.pool.has_remote_releases());
  EXPECT_EQ(p.pool.drain_remote_releases(), 1u) << "one header queued once for eight releases";
  EXPECT_EQ(in_use(p.pool), 0u);
  EXPECT_EQ(p.pool.stats().classes[2].remote_releases, 8u);
  EXPECT_FALSE(p.pool.has_remote_releases());
}

TEST(slice, a_share_made_on_another_thread_keeps_the_buffer_alive_on_the_owner) {
  bound_buffer_pool p;
  slice original = p.pool.acquire(8192);
  original.data()[0] = std::byte{42};
  slice kept_away;
  slice sent_back;
  std::thread([&] {
    kept_away = std::move(original);
    sent_back = kept_away.share(0, 16);  // counted on the foreign side only
  }).join();
  // The owner drops the slice that came back; the one still away must keep the buffer.
  sent_back.release();
  EXPECT_EQ(in_use(p.pool), 1u);
  EXPECT_EQ(kept_away.data()[0], std::byte{42});
  std::thread([&] { kept_away.release(); }).join();
  p.pool.drain_remote_releases();
  EXPECT_EQ(in_use(p.pool), 0u);
}

TEST(slice, a_buffer_released_last_by_the_owner_while_queued_is_given_back_by_the_drain) {
  bound_buffer_pool p;
  slice a = p.pool.acquire(8192);
  slice b = a.share();
  slice c = a.share();
  std::thread([&] {
    slice shared = b.share();  // foreign share: -1
    b.release();               // foreign release: +1, queues the header
    c = std::move(shared);     // back to the owner, counted only remotely
  }).join();
  a.release();
  c.release();
  // The owner's count reached zero while the header was queued: the drain finishes the job.
  EXPECT_EQ(in_use(p.pool), 1u);
  p.pool.drain_remote_releases();
  EXPECT_EQ(in_use(p.pool), 0u);
  EXPECT_EQ(p.pool.stats().classes[0].returns, 1u);
}

TEST(buffer_pool, oversized_requests_fall_back_to_the_system_allocator_counted) {
  bound_buffer_pool p;
  slice big = p.pool.acquire(300'000);
  ASSERT_TRUE(big);
  EXPECT_EQ(big.size(), 300'000u);
  std::memset(big.data(), 1, big.size());
  EXPECT_EQ(p.pool.stats().fallbacks, 1u);
  EXPECT_EQ(p.pool.stats().fallback_bytes_live, 300'000u);
  slice tail = big.split_front(200'000);
  big.release();
  std::thread([&] { tail.release(); }).join();  // the last reference dies on another thread
  EXPECT_EQ(p.pool.stats().fallback_bytes_live, 300'000u);
  p.pool.drain_remote_releases();
  EXPECT_EQ(p.pool.stats().fallback_bytes_live, 0u);  // freed (ASan would report a leak otherwise)
}

TEST(buffer_pool, max_bytes_bounds_the_pool_and_refusals_are_counted) {
  bound_buffer_pool p(
      buffer_pool_options{.warm_buffers = {0, 0, 0}, .max_bytes = 3 * buffer_pool::chunk_bytes / 2});
  std::vector<slice> held;
  for (std::size_t i = 0; i < buffer_pool::chunk_bytes / 8192; ++i) held.push_back(p.pool.acquire(8192));
  EXPECT_THROW((void)p.pool.acquire(8192), std::bad_alloc) << "a second chunk would pass max_bytes";
  EXPECT_FALSE(p.pool.try_acquire(8192));
  EXPECT_FALSE(p.pool.try_acquire(1 << 20)) << "oversized buffers count against the bound too";
  EXPECT_EQ(p.pool.stats().refused, 3u);
  held.pop_back();
  EXPECT_TRUE(p.pool.try_acquire(8192));
}

TEST(buffer_pool, an_exhausted_class_reuses_remote_releases_before_mapping_more) {
  bound_buffer_pool p(buffer_pool_options{.warm_buffers = {0, 0, 16}});
  std::vector<slice> held;
  for (int i = 0; i < 16; ++i) held.push_back(p.pool.acquire(65536));
  std::thread([&] { held.clear(); }).join();
  slice next = p.pool.acquire(65536);
  EXPECT_EQ(p.pool.stats().classes[2].buffers, 16u) << "no new chunk: the drain refilled the free list";
}

// Two threads, each with its own pool, trade slices of both pools: split, shared and released
// on both sides at random. Every slice carries its buffer's tag, so a buffer reused while still
// referenced shows up as a tag mismatch; at the end every buffer is back home.
TEST(slice, two_threads_trading_slices_of_both_pools_lose_nothing_and_corrupt_nothing) {
  constexpr int rounds = 20'000;
  struct tagged {
    slice bytes;
    std::uint64_t tag;
  };
  using queue = boost::lockfree::spsc_queue<tagged*, boost::lockfree::capacity<1024>>;
  queue to_b, to_a;
  std::atomic<int> done{0};
  std::atomic<std::uint64_t> mismatches{0};
  std::atomic<std::uint64_t> a_left{1}, b_left{1};

  auto side = [&](queue& inbox, queue& outbox, std::uint64_t seed, std::atomic<std::uint64_t>& left) {
    buffer_pool pool(buffer_pool_options{.warm_buffers = {8, 8, 8}});
    pool.bind_to_this_thread();
    std::mt19937_64 random(seed);
    std::vector<tagged*> mine;
    std::uint64_t next_tag = seed << 32;
    auto check = [&](const tagged& t) {
      std::uint64_t seen;
      if (t.bytes.size() < sizeof seen) return;
      std::memcpy(&seen, t.bytes.data(), sizeof seen);
      if (seen != t.tag) mismatches.fetch_add(1, std::memory_order_relaxed);
    };
    auto release = [&](tagged* t) {
      check(*t);
      delete t;
    };
    for (int step = 0; step < rounds; ++step) {
      tagged* incoming;
      while (inbox.pop(incoming)) mine.push_back(incoming);
      const unsigned action = static_cast<unsigned>(random() % 100);
      if (action < 30 || mine.empty()) {
        const std::size_t size = buffer_pool::class_sizes[random() % 3];
        slice s = pool.acquire(size);
        // Stamp the tag every 64 bytes so that any piece of at least 64 aligned bytes carries it.
        const std::uint64_t tag = ++next_tag;
        for (std::size_t offset = 0; offset + sizeof tag <= s.size(); offset += 64) {
          std::memcpy(s.data() + offset, &tag, sizeof tag);
        }
        mine.push_back(new tagged{std::move(s), tag});
      } else if (action < 55) {
        tagged* t = mine[random() % mine.size()];
        if (t->bytes.size() >= 128) {
          const std::size_t cut = (1 + random() % (t->bytes.size() / 64 - 1)) * 64;
          mine.push_back(new tagged{t->bytes.split_front(cut), t->tag});
        }
      } else if (action < 70) {
        tagged* t = mine[random() % mine.size()];
        mine.push_back(new tagged{t->bytes.share(), t->tag});
      } else if (action < 85) {
        const std::size_t i = random() % mine.size();
        tagged* t = mine[i];
        mine[i] = mine.back();
        mine.pop_back();
        if (!outbox.push(t)) release(t);
      } else {
        const std::size_t i = random() % mine.size();
        release(mine[i]);
        mine[i] = mine.back();
        mine.pop_back();
      }
      if (step % 64 == 0) pool.drain_remote_releases();
    }
    for (tagged* t : mine) release(t);
    mine.clear();
    done.fetch_add(1);
    // Keep draining the inbox and the pool until the other side is done too and nothing is left.
    while (done.load() < 2 || inbox.read_available() > 0 || in_use(pool) > 0) {
      tagged* incoming;
      while (inbox.pop(incoming)) release(incoming);
      pool.drain_remote_releases();
      std::this_thread::yield();
    }
    left.store(in_use(pool));
    // The other side may still be draining our inbox... wait until both are finished with pools.
    done.fetch_add(1);
    while (done.load() < 4) std::this_thread::yield();
    buffer_pool::unbind_this_thread();
  };
  std::thread a([&] { side(to_a, to_b, 1, a_left); });
  std::thread b([&] { side(to_b, to_a, 2, b_left); });
  a.join();
  b.join();
  EXPECT_EQ(mismatches.load(), 0u);
  EXPECT_EQ(a_left.load(), 0u);
  EXPECT_EQ(b_left.load(), 0u);
}

}  // namespace
}  // namespace shardmq::alloc
