#pragma once
// Wakes a sleeping reactor at its wheel's next deadline: a timerfd waited on by the io_context.
// epoll_wait's own timeout has millisecond granularity; a timerfd keeps the wheel's 100 us tick.

#include <shardmq/alloc/handler_slot.hpp>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <chrono>
#include <optional>

namespace shardmq::detail {

/// One reactor's alarm clock. Reactor thread only.
class timer_alarm {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  /// Creates the timerfd; throws std::system_error if the OS refuses.
  timer_alarm();
  ~timer_alarm();
  timer_alarm(const timer_alarm&) = delete;
  timer_alarm& operator=(const timer_alarm&) = delete;

  /// Starts waiting on `io` (once per run of the reactor).
  void start(asio::io_context& io);
  /// Rings at `deadline` (absolute, steady_clock). One syscall when it differs from the last.
  void set(time_point deadline);
  /// Stops waiting; the pending wait completes with operation_aborted when `io` next runs.
  void stop() noexcept;
  /// Times the alarm rang.
  std::uint64_t rings() const noexcept { return rings_; }

 private:
  void wait();

  int fd_ = -1;
  std::optional<asio::posix::stream_descriptor> wait_;
  std::optional<time_point> armed_;  // what the timerfd is set to, if it has not rung since
  std::uint64_t rings_ = 0;
  alloc::handler_slot<> slot_;
};

}  // namespace shardmq::detail
