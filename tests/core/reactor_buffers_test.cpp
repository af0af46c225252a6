// Each reactor owns a buffer_pool made on its own thread; slices of it travel between cores with
// submit_to, are cut and released there, and the buffers come home through the reactor loop.

#include "engine_fixture.hpp"

#include <shardmq/alloc/buffer_pool.hpp>

#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace shardmq {
namespace {

using testing::run_on;

reactor_stats stats_when(engine& e, unsigned core, bool (*done)(const reactor_stats&)) {
  reactor_stats stats;
  for (int attempt = 0; attempt < 2000; ++attempt) {
    stats = run_on(e, core, [] { return this_reactor().snapshot_stats(); });
    if (done(stats)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return stats;
}

TEST(reactor_buffers, every_core_has_a_warm_pool_bound_to_its_thread) {
  engine_config config = testing::test_config(2);
  config.buffers.warm_buffers = {128, 0, 0};
  engine e(config);
  e.start();
  for (unsigned core = 0; core < e.core_count(); ++core) {
    const auto stats = run_on(e, core, [] {
      EXPECT_EQ(alloc::buffer_pool::local(), &this_reactor().buffers());
      return this_reactor().snapshot_stats();
    });
    EXPECT_EQ(stats.buffers_in_use, 0u);
    EXPECT_GE(stats.buffer_bytes_mapped, alloc::buffer_pool::chunk_bytes);
    EXPECT_LT(stats.buffer_bytes_mapped, 2 * alloc::buffer_pool::chunk_bytes)
        << "only the 8 KiB class is warm";
  }
  e.stop();
}

TEST(reactor_buffers, slices_cut_and_released_on_another_core_come_home) {
  SHARDMQ_REQUIRE_CORES(2);
  engine e(testing::test_config(2));
  e.start();
  // Core 0 fills 100 buffers and cuts each in two; one half of each goes to core 1.
  using slices = std::vector<alloc::slice>;
  auto sent = run_on(e, 0, [] {
    auto* away = new slices;
    auto* home = new slices;
    for (int i = 0; i < 100; ++i) {
      alloc::slice whole = this_reactor().buffers().acquire(16384);
      std::memset(whole.data(), i, whole.size());
      away->push_back(whole.split_front(8192));
      home->push_back(std::move(whole));
    }
    return std::make_pair(away, home);
  });
  // Core 1 cuts its halves further, checks the bytes, and drops everything.
  const int bad = run_on(e, 1, [away = sent.first] {
    int mismatches = 0;
    for (std::size_t i = 0; i < away->size(); ++i) {
      alloc::slice& half = (*away)[i];
      alloc::slice quarter = half.split_front(4096);
      if (quarter.data()[0] != static_cast<std::byte>(i) || half.data()[4095] != static_cast<std::byte>(i))
        ++mismatches;
    }
    delete away;
    return mismatches;
  });
  EXPECT_EQ(bad, 0);
  auto in_use = run_on(e, 0, [] { return this_reactor().snapshot_stats().buffers_in_use; });
  EXPECT_EQ(in_use, 100u) << "core 0 still holds the other halves";
  run_on(e, 0, [home = sent.second] {
    delete home;
    return 0;
  });
  // Core 0's loop drains the releases core 1 made: no explicit call.
  const reactor_stats stats = stats_when(e, 0, [](const reactor_stats& s) { return s.buffers_in_use == 0; });
  e.stop();
  EXPECT_EQ(stats.buffers_in_use, 0u);
  // Core 1 made one share (the split) and two releases per buffer: one reference net came home.
  EXPECT_EQ(stats.buffer_remote_releases, 100u);
}

TEST(reactor_buffers, a_pool_survives_a_restart_of_the_engine) {
  engine e(testing::test_config(1));
  e.start();
  auto* first = run_on(e, 0, [] { return &this_reactor().buffers(); });
  alloc::slice kept = run_on(e, 0, [] { return this_reactor().buffers().acquire(100); });
  e.stop();
  kept.release();  // on the test thread: the foreign path, drained at the next start
  e.start();
  auto* second = run_on(e, 0, [] { return &this_reactor().buffers(); });
  const reactor_stats stats = stats_when(e, 0, [](const reactor_stats& s) { return s.buffers_in_use == 0; });
  e.stop();
  EXPECT_EQ(first, second);
  EXPECT_EQ(stats.buffers_in_use, 0u);
}

}  // namespace
}  // namespace shardmq
