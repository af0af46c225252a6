#pragma once
// A bounded single-producer single-consumer ring of messages between two cores. Moving a message
// through it moves its frames' slices: no payload byte is copied. The producer's and the
// consumer's indices live on their own cache lines, each side caching the other's, so a burst
// costs one shared-line transfer per side, not one per message.

#include <shardmq/net/zmq/message.hpp>

#include <atomic>
#include <bit>
#include <cstddef>
#include <memory>

namespace shardmq::net::zmq::detail {

class message_spsc_ring {
 public:
  /// Room for at least `capacity` messages (rounded up to a power of two).
  explicit message_spsc_ring(std::size_t capacity)
      : mask_(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity) - 1), slots_(new message[mask_ + 1]) {}
  message_spsc_ring(const message_spsc_ring&) = delete;
  message_spsc_ring& operator=(const message_spsc_ring&) = delete;

  /// Producer: false when full (the message stays with the caller).
  bool push(message& m) noexcept {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_cache_ > mask_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail - head_cache_ > mask_) return false;
    }
    slots_[tail & mask_] = std::move(m);
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }
  /// Producer: whether a push would fail now.
  bool full() noexcept {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_cache_ <= mask_) return false;
    head_cache_ = head_.load(std::memory_order_acquire);
    return tail - head_cache_ > mask_;
  }

  /// Consumer: the oldest message, or null when empty. The caller moves it out and calls
  /// pop_front(): one move from this ring into the next, where pop() into a local makes two.
  message* front() noexcept {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_cache_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head == tail_cache_) return nullptr;
    }
    return &slots_[head & mask_];
  }
  /// Consumer: gives the slot front() returned back to the producer.
  void pop_front() noexcept {
    head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  /// Consumer: messages left as of its last look at the producer's index (never more than are).
  std::size_t consumer_backlog() const noexcept {
    return tail_cache_ - head_.load(std::memory_order_relaxed);
  }
  std::size_t capacity() const noexcept { return mask_ + 1; }

  /// Consumer: false when empty.
  bool pop(message& out) noexcept {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_cache_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head == tail_cache_) return false;
    }
    out = std::move(slots_[head & mask_]);
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

 private:
  const std::size_t mask_;
  std::unique_ptr<message[]> slots_;
  alignas(64) std::atomic<std::size_t> tail_{0};  // written by the producer
  std::size_t head_cache_ = 0;                    // the producer's view of head_
  alignas(64) std::atomic<std::size_t> head_{0};  // written by the consumer
  std::size_t tail_cache_ = 0;                    // the consumer's view of tail_
};

}  // namespace shardmq::net::zmq::detail
