#pragma once
// A FIFO of messages bounded by a high-water mark. Its storage grows by doubling up to the mark
// and is never given back, so after warm-up queueing a message allocates nothing; an idle peer
// costs 16 slots, not 1000.

#include <shardmq/net/zmq/message.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace shardmq::net::zmq::detail {

/// One direction of a pipe, on one core.
class message_ring {
 public:
  /// `limit` messages at most (0: unbounded).
  explicit message_ring(std::uint32_t limit) noexcept : limit_(limit) {}

  bool empty() const noexcept { return count_ == 0; }
  bool full() const noexcept { return limit_ != 0 && count_ >= limit_; }
  std::size_t size() const noexcept { return count_; }
  std::uint32_t limit() const noexcept { return limit_; }

  /// Appends; the caller checked !full() (an unbounded ring always takes it).
  void push(message&& m) {
    if (count_ == slots_.size()) grow();
    slots_[(head_ + count_) & (slots_.size() - 1)] = std::move(m);
    ++count_;
  }
  message& front() noexcept { return slots_[head_]; }
  /// Moves the first message out.
  message pop() noexcept {
    message m = std::move(slots_[head_]);
    head_ = (head_ + 1) & (slots_.size() - 1);
    --count_;
    return m;
  }
  /// Moves the first message into `out`: one move where `out = pop()` makes two.
  void pop_into(message& out) noexcept {
    out = std::move(slots_[head_]);
    drop_front();
  }
  /// Forgets the first message, which the caller has moved out of front().
  void drop_front() noexcept {
    head_ = (head_ + 1) & (slots_.size() - 1);
    --count_;
  }
  void clear() noexcept {
    while (count_ > 0) pop();
  }

 private:
  void grow() {
    std::vector<message> bigger(slots_.empty() ? 16 : slots_.size() * 2);
    for (std::size_t i = 0; i < count_; ++i) bigger[i] = std::move(slots_[(head_ + i) & (slots_.size() - 1)]);
    slots_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<message> slots_;  // size a power of two
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::uint32_t limit_;
};

}  // namespace shardmq::net::zmq::detail
