// A ring of capacity 2 under a flood: the sender's overflow list keeps everything, in order.

#include "engine_fixture.hpp"

#include <asio/detached.hpp>

#include <atomic>
#include <vector>

namespace shardmq {
namespace {

using testing::get_within_deadline;

// Parameter: idle spin in µs. A short spin makes a reactor with overflow try to sleep while its
// peer drains the ring, which once lost the overflow for good (nothing wakes a producer).
class mesh_overflow : public ::testing::TestWithParam<int> {};

TEST_P(mesh_overflow, a_flood_through_a_ring_of_two_loses_nothing_and_keeps_order) {
  SHARDMQ_REQUIRE_CORES(2);
  engine_config config = testing::test_config(2);
  config.ring_capacity = 2;
  config.idle_spin = std::chrono::microseconds(GetParam());
  engine e(config);
  e.start();
  constexpr unsigned count = 200'000;
  std::vector<std::vector<unsigned>> seen(2);
  std::atomic<unsigned> completed{0};
  std::promise<void> done;
  // Both cores flood each other at once, without waiting: requests and replies both overflow.
  e.run_on_all(
      [&] {
        const unsigned self = this_core();
        for (unsigned i = 0; i < count; ++i) {
          submit_to(
              1 - self, [&seen, self, i] { seen[self].push_back(i); },
              [&](std::exception_ptr error) {
                EXPECT_FALSE(error);
                if (completed.fetch_add(1) + 1 == 2 * count) done.set_value();
              });
        }
      },
      asio::detached);
  auto future = done.get_future();
  get_within_deadline(future);
  const auto stats = e.collect_stats();
  e.stop();
  for (unsigned origin = 0; origin < 2; ++origin) {
    ASSERT_EQ(seen[origin].size(), count);
    for (unsigned i = 0; i < count; ++i) ASSERT_EQ(seen[origin][i], i);
    EXPECT_GT(stats[origin].ring_full, 0u) << "the flood never filled the ring: the test proves nothing";
    EXPECT_GT(stats[origin].overflow_peak, 2u);
  }
}

INSTANTIATE_TEST_SUITE_P(idle_spin, mesh_overflow, ::testing::Values(40, 1),
                         [](const auto& info) { return std::to_string(info.param) + "us"; });

}  // namespace
}  // namespace shardmq
