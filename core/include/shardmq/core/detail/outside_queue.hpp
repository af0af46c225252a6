#pragma once
// The multi-producer entry of one reactor, for threads that are not reactors.

#include <shardmq/core/detail/work_item.hpp>

#include <atomic>

namespace shardmq::detail {

/// A lock-free intrusive stack (Treiber push, whole-list take) that the owning reactor drains.
/// The consumer takes everything with one exchange, so there is no ABA problem. Closing swaps in
/// a sentinel so that a late producer learns, atomically, that nobody will run its item.
class outside_queue {
 public:
  outside_queue() noexcept : head_(closed_marker()) {}

  /// Returns false when the queue is closed (engine not running); the item is then not taken.
  bool push(work_item* item) noexcept {
    work_item* head = head_.load(std::memory_order_relaxed);
    do {
      if (head == closed_marker()) return false;
      item->next = head;
    } while (!head_.compare_exchange_weak(head, item, std::memory_order_seq_cst, std::memory_order_relaxed));
    return true;
  }

  /// Everything pushed so far, oldest first.
  item_list take_all() noexcept { return reverse(head_.exchange(nullptr, std::memory_order_acquire)); }

  /// Closes the queue and returns what was still in it, oldest first.
  item_list close() noexcept { return reverse(head_.exchange(closed_marker(), std::memory_order_acq_rel)); }

  void open() noexcept { head_.store(nullptr, std::memory_order_release); }

  bool empty() const noexcept { return head_.load(std::memory_order_relaxed) == nullptr; }

 private:
  static work_item* closed_marker() noexcept {
    static work_item marker(nullptr, nullptr);
    return &marker;
  }
  static item_list reverse(work_item* head) noexcept {
    if (head == closed_marker()) return {};
    work_item* reversed = nullptr;
    while (head) {
      work_item* next = head->next;
      head->next = reversed;
      reversed = head;
      head = next;
    }
    item_list list;
    while (reversed) {
      work_item* next = reversed->next;
      list.push_back(reversed);
      reversed = next;
    }
    return list;
  }

  std::atomic<work_item*> head_;
};

}  // namespace shardmq::detail
