// Zero heap allocations per submit_to in steady state, counted by tests/support/heap_counter
// (malloc and operator new replaced in this binary).

#include "engine_fixture.hpp"

#include <asio/detached.hpp>

#include "heap_counter.hpp"

#include <atomic>
#include <cstdlib>

namespace shardmq {
namespace {

using testing::get_within_deadline;

class submit_allocation_test : public ::testing::TestWithParam<unsigned> {};

/// Runs `rounds` windowed round trips from every core to its peer; returns when all completed.
void run_stream(engine& e, std::uint64_t rounds, std::function<void()> on_warm,
                std::function<void()> on_done) {
  struct state {
    std::uint64_t started = 0, completed = 0;
  };
  auto states = std::make_shared<std::vector<state>>(e.core_count());
  auto remaining = std::make_shared<std::atomic<unsigned>>(e.core_count());
  auto pump = std::make_shared<std::function<void()>>();
  *pump = [=]() {
    state& s = (*states)[this_core()];
    ++s.started;
    // Captures of a realistic size: a pointer and two integers.
    submit_to((this_core() + 1) % core_count(), [value = s.started, salt = 7u] { return value + salt; },
              [=](std::exception_ptr error, std::uint64_t) {
                if (error) std::abort();
                state& st = (*states)[this_core()];
                if (++st.completed == rounds) {
                  if (remaining->fetch_sub(1) == 1) on_done();
                  return;
                }
                if (st.completed == rounds / 2 && this_core() == 0) on_warm();
                if (st.started < rounds) (*pump)();
              });
  };
  e.run_on_all(
      [pump] {
        for (int i = 0; i < 32; ++i) (*pump)();
      },
      asio::detached);
}

TEST_P(submit_allocation_test, submit_to_allocates_nothing_in_steady_state) {
  SHARDMQ_REQUIRE_CORES(GetParam());
  engine e(testing::test_config(GetParam()));
  e.start();
  // Warm-up run: pools, rings and Asio's internals reach their steady size.
  {
    std::promise<void> done;
    run_stream(
        e, 50'000, [] {}, [&] { done.set_value(); });
    auto future = done.get_future();
    get_within_deadline(future);
  }
  std::promise<void> done;
  std::atomic<std::uint64_t> at_warm{0};
  // Counting starts half-way through the second run (from a completion on core 0) and stops
  // when the last core finishes, so only steady-state submits are in the window.
  run_stream(
      e, 200'000, [&] { shardmq::testing::start_counting_allocations(); },
      [&] {
        at_warm.store(shardmq::testing::stop_counting_allocations());
        done.set_value();
      });
  auto future = done.get_future();
  get_within_deadline(future);
  const auto stats = e.collect_stats();
  e.stop();
  std::uint64_t messages = 0;
  for (const auto& s : stats) messages += s.messages_in + s.local_runs;
  EXPECT_GT(messages, 200'000u);
  EXPECT_EQ(at_warm.load(), 0u) << "heap allocations while ~100k round trips per core ran";
}

TEST(submit_allocation_counter, counts_allocations_so_that_the_other_test_can_fail) {
  shardmq::testing::start_counting_allocations();
  auto* p = new int(3);
  void* q = std::malloc(10);
  void* r = std::aligned_alloc(64, 64);
  // Let the pointers escape, or the compiler may elide the new/delete and malloc/free pairs.
  asm volatile("" : : "r"(p), "r"(q), "r"(r) : "memory");
  const std::uint64_t counted = shardmq::testing::stop_counting_allocations();
  delete p;
  std::free(q);
  std::free(r);
  EXPECT_EQ(counted, 3u);
}

INSTANTIATE_TEST_SUITE_P(cores, submit_allocation_test, ::testing::Values(1u, 2u),
                         [](const auto& info) { return std::to_string(info.param) + "_cores"; });

}  // namespace
}  // namespace shardmq
