#include <shardmq/core/detail/wake_signal.hpp>

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace shardmq::detail {
wake_signal::wake_signal() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) throw std::runtime_error(std::string("shardmq: eventfd: ") + std::strerror(errno));
}

wake_signal::~wake_signal() { ::close(fd_); }

void wake_signal::ring() noexcept {
  const std::uint64_t one = 1;
  // EAGAIN means the counter is saturated: the reactor is certain to wake anyway.
  [[maybe_unused]] ssize_t written = ::write(fd_, &one, sizeof one);
}

std::uint64_t wake_signal::consume() noexcept {
  std::uint64_t count = 0;
  if (::read(fd_, &count, sizeof count) != sizeof count) return 0;
  return count;
}

}  // namespace shardmq::detail
