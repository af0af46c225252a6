#include <shardmq/core/detail/wake_signal.hpp>

#include <linux/membarrier.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace shardmq::detail {
namespace {

std::atomic<bool> use_membarrier{false};
std::atomic<bool> barrier_chosen{false};

long membarrier(int command) noexcept { return ::syscall(SYS_membarrier, command, 0, 0); }

}  // namespace

void init_wake_barrier() noexcept {
  if (barrier_chosen.exchange(true)) return;
  const long supported = membarrier(MEMBARRIER_CMD_QUERY);
  const bool ok = supported > 0 && (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
                  membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
  use_membarrier.store(ok, std::memory_order_release);
}

bool wake_barrier_uses_membarrier() noexcept { return use_membarrier.load(std::memory_order_acquire); }

void sender_fence() noexcept {
  if (use_membarrier.load(std::memory_order_relaxed)) {
    // The sleeper's membarrier() forces a full barrier on this thread when it matters.
    std::atomic_signal_fence(std::memory_order_seq_cst);
  } else {
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
}

wake_signal::wake_signal() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) throw std::runtime_error(std::string("shardmq: eventfd: ") + std::strerror(errno));
}

wake_signal::~wake_signal() { ::close(fd_); }

void wake_signal::announce_sleep() noexcept {
  sleeping_.store(true, std::memory_order_relaxed);
  if (use_membarrier.load(std::memory_order_relaxed)) {
    membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
  } else {
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
}

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
