#pragma once
// The floor of the alloc+free comparisons: the least an allocator can do, one block size and an
// intrusive LIFO list, no size lookup, no owner lookup, no counters.

#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace shardmq::bench {

/// Blocks of one size, carved from 64-byte-aligned chunks that live as long as the list.
class trivial_free_list {
 public:
  explicit trivial_free_list(std::size_t block_bytes, std::size_t blocks_per_chunk = 256)
      : block_bytes_(round_up(block_bytes)), chunk_bytes_(block_bytes_ * blocks_per_chunk) {}
  trivial_free_list(const trivial_free_list&) = delete;
  trivial_free_list& operator=(const trivial_free_list&) = delete;

  void* allocate() {
    node* head = head_;
    if (head == nullptr) return carve();
    head_ = head->next;
    return head;
  }
  void deallocate(void* block) noexcept {
    auto* freed = static_cast<node*>(block);
    freed->next = head_;
    head_ = freed;
  }
  std::size_t block_bytes() const noexcept { return block_bytes_; }

 private:
  struct node {
    node* next;
  };
  struct aligned_delete {
    void operator()(std::byte* chunk) const noexcept { ::operator delete[](chunk, std::align_val_t{64}); }
  };

  static std::size_t round_up(std::size_t bytes) noexcept {
    return bytes < sizeof(node) ? sizeof(node) : (bytes + 15) / 16 * 16;
  }

  // Out of line, like core_pool's slow path, so the hot path stays a pop.
  [[gnu::noinline]] void* carve() {
    if (carve_next_ == carve_end_) {
      chunks_.emplace_back(static_cast<std::byte*>(::operator new[](chunk_bytes_, std::align_val_t{64})));
      carve_next_ = chunks_.back().get();
      carve_end_ = carve_next_ + chunk_bytes_;
    }
    void* block = carve_next_;
    carve_next_ += block_bytes_;
    return block;
  }

  node* head_ = nullptr;
  std::byte* carve_next_ = nullptr;
  std::byte* carve_end_ = nullptr;
  std::size_t block_bytes_;
  std::size_t chunk_bytes_;
  std::vector<std::unique_ptr<std::byte[], aligned_delete>> chunks_;
};

}  // namespace shardmq::bench
