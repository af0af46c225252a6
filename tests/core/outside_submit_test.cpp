// submit_from_outside: the thread-safe entry for threads that are not reactors.

#include "engine_fixture.hpp"

#include <asio/detached.hpp>

#include <thread>
#include <vector>

namespace shardmq {
namespace {

using testing::get_within_deadline;

class outside_submit_test : public ::testing::TestWithParam<unsigned> {};

TEST_P(outside_submit_test, four_plain_threads_submit_concurrently_in_order_and_exactly_once) {
  SHARDMQ_REQUIRE_CORES(GetParam());
  const unsigned cores = GetParam();
  engine e(testing::test_config(cores));
  e.start();
  constexpr unsigned producers = 4;
  constexpr unsigned per_producer = 50'000;
  // last[core][producer]: written only on `core`, so no synchronisation is needed.
  std::vector<std::vector<long>> last(cores, std::vector<long>(producers, -1));
  std::atomic<unsigned> completed{0}, out_of_order{0}, wrong_core{0};
  std::vector<std::thread> threads;
  for (unsigned p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (unsigned i = 0; i < per_producer; ++i) {
        const unsigned core = i % cores;
        e.submit_from_outside(
            core,
            [&, p, i, core] {
              if (this_core() != core) wrong_core.fetch_add(1);
              long& previous = last[core][p];
              if (static_cast<long>(i) <= previous) out_of_order.fetch_add(1);
              previous = i;
              return i;
            },
            [&](std::exception_ptr error, unsigned) {
              EXPECT_FALSE(error);
              completed.fetch_add(1, std::memory_order_relaxed);
            });
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto until = std::chrono::steady_clock::now() + testing::deadline;
  while (completed.load() < producers * per_producer && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  e.stop();
  EXPECT_EQ(completed.load(), producers * per_producer);
  EXPECT_EQ(out_of_order.load(), 0u);
  EXPECT_EQ(wrong_core.load(), 0u);
}

TEST_P(outside_submit_test, completes_with_operation_aborted_when_the_engine_is_not_running) {
  SHARDMQ_REQUIRE_CORES(GetParam());
  engine e(testing::test_config(GetParam()));
  auto before_start = e.submit_from_outside(
      0, [] { return 1; }, asio::use_future);
  try {
    before_start.get();
    FAIL() << "expected operation_aborted";
  } catch (const asio::system_error& error) {
    EXPECT_EQ(error.code(), asio::error::operation_aborted);
  }
  e.start();
  auto running = e.submit_from_outside(
      0, [] { return 2; }, asio::use_future);
  EXPECT_EQ(get_within_deadline(running), 2);
  e.stop();
  auto after_stop = e.submit_from_outside(
      0, [] { return 3; }, asio::use_future);
  EXPECT_THROW(after_stop.get(), asio::system_error);
}

INSTANTIATE_TEST_SUITE_P(cores, outside_submit_test, ::testing::Values(1u, 2u),
                         [](const auto& info) { return std::to_string(info.param) + "_cores"; });

}  // namespace
}  // namespace shardmq
