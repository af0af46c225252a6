// Each reactor allocates from its own core_pool and drains, every turn, the blocks that other
// cores freed.

#include "engine_fixture.hpp"

#include <shardmq/alloc/pool_allocator.hpp>

#include <thread>
#include <vector>

namespace shardmq {
namespace {

using testing::run_on;
using int_vector = std::vector<int, alloc::pool_allocator<int>>;

TEST(reactor_pool, memory_allocated_on_one_core_and_freed_on_another_returns_to_its_owner) {
  SHARDMQ_REQUIRE_CORES(2);
  engine e(testing::test_config(2));
  e.start();
  const auto live_before = run_on(e, 0, [] { return this_reactor().snapshot_stats().pool_live_objects; });
  // 1000 vectors built on core 0, destroyed on core 1.
  auto* vectors = run_on(e, 0, [] {
    auto* made = new std::vector<int_vector>();
    for (int i = 0; i < 1000; ++i) made->emplace_back(100, i);
    EXPECT_EQ(alloc::core_pool::owner_of(made->front().data()), &this_reactor().item_pool());
    return made;
  });
  run_on(e, 1, [vectors] {
    delete vectors;
    return 0;
  });
  // Core 0 drains them in its loop: no explicit call, just waiting for its turns.
  reactor_stats stats;
  for (int attempt = 0; attempt < 2000; ++attempt) {
    stats = run_on(e, 0, [] { return this_reactor().snapshot_stats(); });
    if (stats.pool_remote_frees >= 1000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  e.stop();
  EXPECT_GE(stats.pool_remote_frees, 1000u);
  EXPECT_EQ(stats.pool_live_objects, live_before) << "blocks freed on core 1 did not come home";
  EXPECT_GT(stats.pool_bytes_mapped, 0u);
}

TEST(reactor_pool, work_items_come_from_the_origin_core_and_never_leak) {
  engine e(testing::test_config(1));
  e.start();
  for (int i = 0; i < 10'000; ++i) run_on(e, 0, [] { return 0; });  // outside items: heap
  auto future = e.run_on_all([] {}, asio::use_future);
  testing::get_within_deadline(future);
  const auto before = run_on(e, 0, [] { return this_reactor().snapshot_stats().pool_live_objects; });
  std::promise<void> done;
  run_on(e, 0, [&] {
    // 10 000 local submissions from the reactor: pool items, all freed by completion.
    auto remaining = std::make_shared<int>(10'000);
    for (int i = 0; i < 10'000; ++i) {
      submit_to(
          0, [] {},
          [&, remaining](std::exception_ptr) {
            if (--*remaining == 0) done.set_value();
          });
    }
    return 0;
  });
  auto finished = done.get_future();
  testing::get_within_deadline(finished);
  const auto after = run_on(e, 0, [] { return this_reactor().snapshot_stats().pool_live_objects; });
  e.stop();
  EXPECT_EQ(after, before);
}

}  // namespace
}  // namespace shardmq
