#pragma once
// A reactor's doorbell: the "I am going to sleep" flag and the eventfd that wakes it.

#include <atomic>
#include <cstdint>

namespace shardmq::detail {

/// Chooses how the sleep handshake orders memory, once per process: with
/// MEMBARRIER_CMD_PRIVATE_EXPEDITED the sleeping side pays for the fence (a syscall per sleep)
/// and a sender only needs a compiler barrier; without it both sides use a seq_cst fence.
void init_wake_barrier() noexcept;
bool wake_barrier_uses_membarrier() noexcept;

/// Sender side of the handshake: called after pushing items and before reading `sleeping`.
void sender_fence() noexcept;

/// The handshake, Dekker style. Sleeper: sleeping = true; sleeper fence; re-check every queue;
/// block. Sender: push; sender fence; if sleeping, write the eventfd. One of the two always sees
/// the other's store, so a wake-up cannot be lost.
class wake_signal {
 public:
  wake_signal();
  ~wake_signal();
  wake_signal(const wake_signal&) = delete;
  wake_signal& operator=(const wake_signal&) = delete;

  int fd() const noexcept { return fd_; }

  /// Sleeper: announce, then fence. The caller re-checks its queues afterwards.
  void announce_sleep() noexcept;
  void cancel_sleep() noexcept { sleeping_.store(false, std::memory_order_relaxed); }

  /// Sender, after sender_fence(): rings only a reactor that announced sleep, once.
  bool ring_if_sleeping() noexcept {
    if (!sleeping_.load(std::memory_order_relaxed)) return false;
    if (!sleeping_.exchange(false, std::memory_order_acq_rel)) return false;
    ring();
    return true;
  }

  /// Unconditional (stop requests, shutdown).
  void ring() noexcept;

  /// Resets the eventfd counter; returns how many rings it held.
  std::uint64_t consume() noexcept;

 private:
  // Senders read this line on every flush; it is written only around a sleep.
  alignas(64) std::atomic<bool> sleeping_{false};
  int fd_;
};

}  // namespace shardmq::detail
