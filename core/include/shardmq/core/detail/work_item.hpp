#pragma once
// A type-erased unit of cross-core work and the intrusive FIFO that queues it.

#include <cstddef>
#include <cstdint>
#include <exception>

namespace shardmq::detail {

/// Origin of an item submitted by a thread that is not a reactor.
inline constexpr std::uint16_t outside_origin = 0xffff;

/// One submission travelling origin -> target (run) -> origin (complete). Plain function pointers
/// instead of virtuals keep the header layout explicit; the derived item holds the function, the
/// handler and the result.
struct work_item {
  using run_fn = void (*)(work_item*) noexcept;
  /// Destroys the item, returns its memory, then invokes the user's handler (which may throw).
  using complete_fn = void (*)(work_item*);

  work_item(run_fn run, complete_fn complete) noexcept : run_(run), complete_(complete) {}
  work_item(const work_item&) = delete;
  work_item& operator=(const work_item&) = delete;

  void run() noexcept { run_(this); }
  void complete() { complete_(this); }

  run_fn run_;
  complete_fn complete_;
  work_item* next = nullptr;
  std::exception_ptr error;  // set by the function, or by shutdown (operation_aborted)
  std::uint16_t origin = outside_origin;
};

/// Intrusive singly linked FIFO of work items; never allocates.
class item_list {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  work_item* front() const noexcept { return head_; }

  void push_back(work_item* item) noexcept {
    item->next = nullptr;
    if (tail_) {
      tail_->next = item;
    } else {
      head_ = item;
    }
    tail_ = item;
    ++size_;
  }

  work_item* pop_front() noexcept {
    work_item* item = head_;
    head_ = item->next;
    if (!head_) tail_ = nullptr;
    --size_;
    item->next = nullptr;
    return item;
  }

  /// Removes the first `count` items; the caller already holds them (flush of a lane).
  void drop_front(std::size_t count, work_item* new_head) noexcept {
    size_ -= count;
    head_ = new_head;
    if (!head_) tail_ = nullptr;
  }

 private:
  work_item* head_ = nullptr;
  work_item* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace shardmq::detail
