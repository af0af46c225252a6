#pragma once
// A reactor's doorbell: the "I am going to sleep" flag and the eventfd that wakes it.

#include <atomic>
#include <cstdint>

namespace shardmq::detail {

/// Sender side of the handshake: called after pushing items and before reading `sleeping`, once
/// per flush of all lanes, not per message. A seq_cst fence on both sides rather than a
/// membarrier() on the sleeping side: membarrier measured ~1 us with the peer core idle but
/// ~47 us with it busy (it interrupts every running thread), and a reactor sleeps exactly while
/// its peers are busy.
inline void sender_fence() noexcept { std::atomic_thread_fence(std::memory_order_seq_cst); }

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
  void announce_sleep() noexcept {
    sleeping_.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
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
