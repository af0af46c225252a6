#pragma once
// The sender's side of one SPSC ring: a batch being built plus the overflow that did not fit.

#include <boost/lockfree/spsc_queue.hpp>
#include <shardmq/core/detail/work_item.hpp>

#include <array>
#include <cstddef>

namespace shardmq::detail {

/// A bounded single-producer single-consumer ring of work items between two cores.
/// Boost pads the producer's and the consumer's indices onto separate cache lines.
using item_ring = boost::lockfree::spsc_queue<work_item*>;

/// Items waiting to enter one ring, in submission order. A full ring never blocks the sender and
/// never drops: whatever does not fit stays here and is retried on the next flush.
class outbound_lane {
 public:
  /// Most items moved into the ring by one bulk push (bounded stack buffer).
  static constexpr std::size_t push_chunk = 64;

  explicit outbound_lane(item_ring* ring = nullptr) noexcept : ring_(ring) {}

  void append(work_item* item) noexcept { pending_.push_back(item); }
  std::size_t size() const noexcept { return pending_.size(); }
  bool empty() const noexcept { return pending_.empty(); }
  /// The last flush found the ring full: a flush before the consumer's next turn would fail
  /// again, so batch-size flushes wait for the end of the turn.
  bool blocked() const noexcept { return blocked_; }

  struct flush_result {
    std::size_t pushed = 0;
    bool ring_full = false;  // something stayed behind
  };

  /// Pushes as much as fits, oldest first, in bulk.
  flush_result flush() noexcept {
    flush_result result;
    std::array<work_item*, push_chunk> chunk;
    while (!pending_.empty()) {
      std::size_t gathered = 0;
      for (work_item* item = pending_.front(); item && gathered < chunk.size(); item = item->next) {
        chunk[gathered++] = item;
      }
      work_item* after_chunk = chunk[gathered - 1]->next;
      std::size_t pushed = ring_->push(chunk.data(), gathered);
      result.pushed += pushed;
      if (pushed < gathered) {
        pending_.drop_front(pushed, chunk[pushed]);
        result.ring_full = true;
        break;
      }
      pending_.drop_front(pushed, after_chunk);
    }
    blocked_ = result.ring_full;
    return result;
  }

 private:
  item_list pending_;
  item_ring* ring_;
  bool blocked_ = false;
};

}  // namespace shardmq::detail
