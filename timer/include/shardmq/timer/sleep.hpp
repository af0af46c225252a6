#pragma once
// sleep_for and sleep_until as Asio asynchronous operations on a timer_wheel, so the caller picks
// a callback, asio::use_awaitable (`co_await sleep_for(10ms, asio::use_awaitable)`) or any other
// completion token. The signature is void(std::error_code).
//
// Semantics:
// - Completes with no error at the first timer_wheel::advance() at or after the deadline rounded
//   up to the wheel's tick (never inside the initiating call, even for a past deadline).
// - A handler with an associated executor (use_awaitable's, a strand, bind_executor) is completed
//   through it: asio::dispatch when the sleep expires, asio::post when it is cancelled. A handler
//   without one (a plain lambda) is invoked on the wheel's thread, inside advance() or the cancel.
// - Per-operation cancellation: emitting the handler's cancellation slot (any cancellation type)
//   completes the sleep with asio::error::operation_aborted. Emit on the wheel's thread.
// - timer_wheel::cancel_all() completes every pending sleep with operation_aborted;
//   timer_wheel::shutdown() and the wheel's destructor destroy them without running the handler.
// - A pending sleep is outstanding work on its handler's executor (io_context::run() does not
//   return while one waits), as with Asio's own timers.
// - The operation's memory (node, handler, work) comes from the handler's associated allocator,
//   Asio's recycling allocator by default; bind an allocator to make a sleep allocation-free.

#include <shardmq/timer/detail/sleep_op.hpp>
#include <shardmq/timer/timer_wheel.hpp>

#include <asio/async_result.hpp>

#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <utility>

namespace shardmq {
namespace detail {

struct initiate_sleep {
  template <class Handler>
  void operator()(Handler&& handler, timer_wheel* wheel, timer_wheel::time_point deadline) const {
    sleep_op<std::decay_t<Handler>>::start(*wheel, deadline, std::forward<Handler>(handler));
  }
};

inline timer_wheel& local_wheel_or_throw() {
  timer_wheel* wheel = timer_wheel::local();
  if (wheel == nullptr) {
    throw std::logic_error(
        "shardmq::sleep_for/sleep_until: no timer_wheel is bound to this thread (call "
        "timer_wheel::bind_to_this_thread() on it, or pass the wheel explicitly)");
  }
  return *wheel;
}

}  // namespace detail

/// Waits on `wheel` until `deadline`; completes with void(std::error_code).
template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code)) CompletionToken>
auto sleep_until(timer_wheel& wheel, timer_wheel::time_point deadline, CompletionToken&& token) {
  return asio::async_initiate<CompletionToken, void(std::error_code)>(detail::initiate_sleep{}, token, &wheel,
                                                                      deadline);
}

/// Waits on `wheel` for `delay` from now (steady_clock); completes with void(std::error_code).
template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code)) CompletionToken>
auto sleep_for(timer_wheel& wheel, timer_wheel::duration delay, CompletionToken&& token) {
  return sleep_until(wheel, timer_wheel::deadline_after(delay), std::forward<CompletionToken>(token));
}

/// sleep_until on the calling thread's timer_wheel::local(); throws std::logic_error without one.
template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code)) CompletionToken>
auto sleep_until(timer_wheel::time_point deadline, CompletionToken&& token) {
  return sleep_until(detail::local_wheel_or_throw(), deadline, std::forward<CompletionToken>(token));
}

/// sleep_for on the calling thread's timer_wheel::local(); throws std::logic_error without one.
template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code)) CompletionToken>
auto sleep_for(timer_wheel::duration delay, CompletionToken&& token) {
  return sleep_for(detail::local_wheel_or_throw(), delay, std::forward<CompletionToken>(token));
}

}  // namespace shardmq
