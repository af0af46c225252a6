#include <shardmq/core/detail/timer_alarm.hpp>

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace shardmq::detail {

timer_alarm::timer_alarm() {
  fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::system_category(), "shardmq: timerfd_create");
}

timer_alarm::~timer_alarm() {
  if (wait_) wait_->release();
  if (fd_ >= 0) ::close(fd_);
}

void timer_alarm::start(asio::io_context& io) {
  wait_.emplace(io, fd_);
  wait();
}

void timer_alarm::set(time_point deadline) {
  if (armed_ == deadline) return;
  // steady_clock is CLOCK_MONOTONIC on Linux: its epoch is the timerfd's.
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
  itimerspec spec{};
  spec.it_value.tv_sec = ns > 0 ? ns / 1'000'000'000 : 0;
  spec.it_value.tv_nsec = ns > 0 ? ns % 1'000'000'000 : 1;  // zero would disarm it
  if (::timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr) == 0) armed_ = deadline;
}

void timer_alarm::stop() noexcept {
  if (!wait_) return;
  wait_->release();  // we own the descriptor; the pending wait is cancelled
  wait_.reset();
  armed_.reset();
}

void timer_alarm::wait() {
  wait_->async_wait(asio::posix::stream_descriptor::wait_read,
                    alloc::bind_slot(slot_, [this](const std::error_code& error) {
                      if (error) return;  // stopped
                      std::uint64_t expirations = 0;
                      [[maybe_unused]] const ssize_t n = ::read(fd_, &expirations, sizeof expirations);
                      armed_.reset();
                      ++rings_;
                      wait();
                    }));
}

}  // namespace shardmq::detail
