#pragma once
// Two baseline threads pinned to the same two PUs as the engine's reactors 0 and 1, so that every
// comparison crosses the same pair of cores.

#include <shardmq/core/topology.hpp>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>

namespace shardmq::bench {

/// Spins until both sides have arrived: the timed part starts only once both threads are pinned
/// and running, so thread start-up is never measured.
class start_gate {
 public:
  void arrive_and_wait() noexcept {
    arrived_.fetch_add(1, std::memory_order_acq_rel);
    while (arrived_.load(std::memory_order_acquire) < 2) {
    }
  }

 private:
  std::atomic<int> arrived_{0};
};

/// Runs a "sender" and a "receiver" function concurrently, each on its own pinned thread, both
/// released together by a start gate once pinned.
class pinned_pair {
 public:
  pinned_pair(const topology& machine, cpu_slot sender, cpu_slot receiver)
      : machine_(machine), sender_(sender), receiver_(receiver) {}

  const cpu_slot& sender_slot() const noexcept { return sender_; }
  const cpu_slot& receiver_slot() const noexcept { return receiver_; }

  /// Returns once both functions have returned.
  template <class SenderFn, class ReceiverFn>
  void run(SenderFn&& sender_fn, ReceiverFn&& receiver_fn) const {
    start_gate gate;
    std::thread receiver([&] {
      pin(receiver_);
      gate.arrive_and_wait();
      receiver_fn();
    });
    std::thread sender([&] {
      pin(sender_);
      gate.arrive_and_wait();
      sender_fn();
    });
    sender.join();
    receiver.join();
  }

 private:
  void pin(const cpu_slot& slot) const {
    std::string reason;
    if (!machine_.pin_this_thread(slot, &reason) && !warned_unpinned().exchange(true)) {
      std::fprintf(stderr, "shardmq-bench: cannot pin a baseline thread to PU %u (%s); running unpinned\n",
                   slot.pu, reason.c_str());
    }
  }
  static std::atomic<bool>& warned_unpinned() {
    static std::atomic<bool> warned{false};
    return warned;
  }

  const topology& machine_;
  cpu_slot sender_;
  cpu_slot receiver_;
};

}  // namespace shardmq::bench
