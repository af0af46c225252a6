// Zero heap allocations per submit_to in steady state, counted by replacing malloc and
// operator new in this test binary.

#include "engine_fixture.hpp"

#include <asio/detached.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

extern "C" void* __libc_malloc(std::size_t);
extern "C" void* __libc_calloc(std::size_t, std::size_t);
extern "C" void* __libc_realloc(void*, std::size_t);
extern "C" void* __libc_memalign(std::size_t, std::size_t);
extern "C" void __libc_free(void*);

namespace {
std::atomic<bool> counting{false};
std::atomic<std::uint64_t> allocations{0};
void note() noexcept {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(std::size_t size) {
  note();
  return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
  note();
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t size) {
  note();
  return __libc_realloc(p, size);
}
void free(void* p) { __libc_free(p); }
}

void* operator new(std::size_t size) {
  note();
  if (void* p = __libc_malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, std::align_val_t align) {
  note();
  if (void* p = __libc_memalign(static_cast<std::size_t>(align), size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t align) { return operator new(size, align); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }

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
      e, 200'000,
      [&] {
        allocations.store(0);
        counting.store(true);
      },
      [&] {
        counting.store(false);
        at_warm.store(allocations.load());
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
  counting.store(true);
  allocations.store(0);
  auto* p = new int(3);
  void* q = std::malloc(10);
  counting.store(false);
  delete p;
  std::free(q);
  EXPECT_EQ(allocations.load(), 2u);
}

INSTANTIATE_TEST_SUITE_P(cores, submit_allocation_test, ::testing::Values(1u, 2u),
                         [](const auto& info) { return std::to_string(info.param) + "_cores"; });

}  // namespace
}  // namespace shardmq
