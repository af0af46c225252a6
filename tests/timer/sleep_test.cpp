// sleep_for / sleep_until as Asio operations on a real io_context driven by a small loop that
// polls it and advances the wheel on the real clock (bounds are functional and generous):
// callbacks, use_awaitable, executors, cancellation slots, cancel_all, shutdown, allocators.

#include "io_loop.hpp"

#include <gtest/gtest.h>
#include <shardmq/timer/sleep.hpp>

#include <asio/bind_allocator.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/use_awaitable.hpp>

#include <memory>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace shardmq::testing {
namespace {

using clock = timer_wheel::clock;

TEST(sleep, sleep_for_with_a_callback_completes_after_the_delay) {
  io_loop loop;
  std::error_code result = asio::error::would_block;
  const auto start = clock::now();
  clock::time_point finished{};
  sleep_for(20ms, [&](std::error_code ec) {
    result = ec;
    finished = clock::now();
  });
  EXPECT_EQ(result, asio::error::would_block) << "completed inside the initiating call";
  ASSERT_TRUE(loop.run_until([&] { return finished != clock::time_point{}; }));
  EXPECT_FALSE(result);
  EXPECT_GE(finished - start, 20ms);
  EXPECT_LT(finished - start, 2s);
  EXPECT_TRUE(loop.wheel.empty());
}

TEST(sleep, sleep_until_on_an_explicit_wheel_with_a_past_deadline_completes_at_the_next_advance) {
  asio::io_context io(1);
  timer_wheel wheel;  // not bound: the explicit overload needs no binding
  bool done = false;
  sleep_until(wheel, clock::now() - 1s, [&](std::error_code ec) {
    EXPECT_FALSE(ec);
    done = true;
  });
  EXPECT_FALSE(done);
  EXPECT_EQ(wheel.advance(clock::now()), 1u);
  EXPECT_TRUE(done);
}

TEST(sleep, co_await_sleep_for_resumes_on_the_io_context_after_the_delay) {
  io_loop loop;
  std::vector<int> order;
  bool on_io_thread = true;
  auto sleeper = [&](int id, clock::duration delay) -> asio::awaitable<void> {
    const auto start = clock::now();
    co_await sleep_for(delay, asio::use_awaitable);
    EXPECT_GE(clock::now() - start, delay);
    on_io_thread = on_io_thread && loop.io.get_executor().running_in_this_thread();
    order.push_back(id);
  };
  asio::co_spawn(loop.io, sleeper(3, 30ms), asio::detached);
  asio::co_spawn(loop.io, sleeper(1, 10ms), asio::detached);
  asio::co_spawn(loop.io, sleeper(2, 20ms), asio::detached);
  ASSERT_TRUE(loop.run_until([&] { return order.size() == 3; }));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(on_io_thread);
}

TEST(sleep, a_handler_with_an_executor_is_completed_through_it) {
  io_loop loop;
  bool done = false;
  bool inside_io = false;
  sleep_for(loop.wheel, 0ms, asio::bind_executor(loop.io, [&](std::error_code) {
              done = true;
              inside_io = loop.io.get_executor().running_in_this_thread();
            }));
  // advance() outside the io_context: the completion is queued, not run in place.
  while (loop.wheel.advance(clock::now()) == 0) {
  }
  EXPECT_FALSE(done);
  loop.io.poll();
  EXPECT_TRUE(done);
  EXPECT_TRUE(inside_io);
}

TEST(sleep, a_cancellation_slot_aborts_a_callback_sleep_once) {
  io_loop loop;
  asio::cancellation_signal signal;
  int calls = 0;
  std::error_code result;
  sleep_for(10s, asio::bind_cancellation_slot(signal.slot(), [&](std::error_code ec) {
              ++calls;
              result = ec;
            }));
  EXPECT_EQ(loop.wheel.size(), 1u);
  loop.run_for(5ms);
  signal.emit(asio::cancellation_type::terminal);
  EXPECT_EQ(calls, 1);  // no executor: invoked on the spot
  EXPECT_EQ(result, asio::error::operation_aborted);
  EXPECT_TRUE(loop.wheel.empty());
  signal.emit(asio::cancellation_type::terminal);  // too late: nothing to cancel
  loop.run_for(5ms);
  EXPECT_EQ(calls, 1);
}

TEST(sleep, a_slot_emitted_after_the_sleep_expired_does_nothing) {
  io_loop loop;
  asio::cancellation_signal signal;
  int calls = 0;
  sleep_for(1ms, asio::bind_cancellation_slot(signal.slot(), [&](std::error_code ec) {
              EXPECT_FALSE(ec);
              ++calls;
            }));
  ASSERT_TRUE(loop.run_until([&] { return calls == 1; }));
  signal.emit(asio::cancellation_type::all);
  EXPECT_EQ(calls, 1);
}

TEST(sleep, awaitable_operators_cancel_the_losing_sleep) {
  using namespace asio::experimental::awaitable_operators;
  io_loop loop;
  int winner = -1;
  auto race = [&]() -> asio::awaitable<void> {
    auto result = co_await (sleep_for(10s, asio::use_awaitable) || sleep_for(10ms, asio::use_awaitable));
    winner = static_cast<int>(result.index());
  };
  const auto start = clock::now();
  asio::co_spawn(loop.io, race(), asio::detached);
  ASSERT_TRUE(loop.run_until([&] { return winner != -1; }));
  EXPECT_EQ(winner, 1);
  EXPECT_LT(clock::now() - start, 2s);
  EXPECT_TRUE(loop.wheel.empty()) << "the 10 s sleep must have left the wheel";
  EXPECT_EQ(loop.wheel.stats().cancelled, 1u);
}

TEST(sleep, cancel_all_aborts_pending_sleeps_of_callbacks_and_coroutines) {
  io_loop loop;
  std::error_code callback_result;
  std::error_code coroutine_result;
  bool coroutine_done = false;
  sleep_for(10s, [&](std::error_code ec) { callback_result = ec; });
  asio::co_spawn(
      loop.io,
      [&]() -> asio::awaitable<void> {
        try {
          co_await sleep_for(10s, asio::use_awaitable);
        } catch (const std::system_error& e) {
          coroutine_result = e.code();
        }
        coroutine_done = true;
      },
      asio::detached);
  loop.run_for(5ms);
  EXPECT_EQ(loop.wheel.cancel_all(), 2u);
  EXPECT_EQ(callback_result, asio::error::operation_aborted);
  ASSERT_TRUE(loop.run_until([&] { return coroutine_done; }));
  EXPECT_EQ(coroutine_result, asio::error::operation_aborted);
}

TEST(sleep, shutdown_destroys_pending_sleeps_without_running_them) {
  auto callback_guard = std::make_shared<int>(1);
  auto coroutine_guard = std::make_shared<int>(2);
  std::weak_ptr<int> callback_alive = callback_guard;
  std::weak_ptr<int> coroutine_alive = coroutine_guard;
  bool ran = false;
  {
    io_loop loop;
    sleep_for(10s, [&ran, guard = std::move(callback_guard)](std::error_code) { ran = true; });
    asio::co_spawn(
        loop.io,
        [&ran, guard = std::move(coroutine_guard)]() -> asio::awaitable<void> {
          co_await sleep_for(10s, asio::use_awaitable);
          ran = true;
        },
        asio::detached);
    loop.run_for(5ms);
    EXPECT_EQ(loop.wheel.shutdown(), 2u);
    EXPECT_TRUE(callback_alive.expired()) << "the handler must be destroyed by shutdown()";
    // The coroutine frame goes when its io_context lets go of it (here: at its destruction).
  }
  EXPECT_TRUE(coroutine_alive.expired());
  EXPECT_FALSE(ran);
}

TEST(sleep, destroying_the_wheel_with_pending_sleeps_leaks_nothing) {
  // ASan (the sanitizer build of this test) reports any leak of the operations or frames.
  auto guard = std::make_shared<int>(3);
  std::weak_ptr<int> alive = guard;
  {
    asio::io_context io(1);
    {
      timer_wheel wheel;
      wheel.bind_to_this_thread();
      asio::co_spawn(
          io,
          [guard = std::move(guard)]() -> asio::awaitable<void> {
            co_await sleep_for(1h, asio::use_awaitable);
            co_await sleep_for(1h, asio::use_awaitable);
          },
          asio::detached);
      io.poll();
      EXPECT_EQ(wheel.size(), 1u);
    }
    EXPECT_EQ(timer_wheel::local(), nullptr);
  }
  EXPECT_TRUE(alive.expired());
}

TEST(sleep, without_a_bound_wheel_sleep_for_throws) {
  ASSERT_EQ(timer_wheel::local(), nullptr);
  EXPECT_THROW(sleep_for(1ms, [](std::error_code) {}), std::logic_error);
}

/// Counts what passes through it; memory from the heap.
template <class T>
struct counting_allocator {
  using value_type = T;
  explicit counting_allocator(int* a, int* d) noexcept : allocations(a), deallocations(d) {}
  template <class U>
  counting_allocator(const counting_allocator<U>& other) noexcept
      : allocations(other.allocations), deallocations(other.deallocations) {}
  T* allocate(std::size_t n) {
    ++*allocations;
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, std::size_t n) {
    ++*deallocations;
    std::allocator<T>().deallocate(p, n);
  }
  template <class U>
  bool operator==(const counting_allocator<U>& other) const noexcept {
    return allocations == other.allocations;
  }
  int* allocations;
  int* deallocations;
};

TEST(sleep, the_operation_lives_in_the_handlers_associated_allocator) {
  io_loop loop;
  int allocations = 0, deallocations = 0;
  bool done = false;
  sleep_for(
      1ms, asio::bind_allocator(counting_allocator<void>(&allocations, &deallocations), [&](std::error_code) {
        // Asio's rule: the memory is released before the upcall.
        EXPECT_EQ(deallocations, 1);
        done = true;
      }));
  EXPECT_EQ(allocations, 1);
  ASSERT_TRUE(loop.run_until([&] { return done; }));
  EXPECT_EQ(deallocations, 1);
}

}  // namespace
}  // namespace shardmq::testing
