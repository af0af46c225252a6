#pragma once
// Per-core recycling of work-item memory, so that steady-state submit_to never calls malloc.
// The alloc module's core_pool replaces this once it lands.

#include <array>
#include <cstddef>
#include <cstdint>
#include <new>

namespace shardmq::detail {

/// Size-class free lists owned by one reactor. Items are allocated and freed on the same core
/// (the origin), so no synchronisation is needed.
class work_item_pool {
 public:
  /// Marks memory that came from the heap (outside threads, oversized items).
  static constexpr std::uint8_t heap_class = 0xff;
  static constexpr std::array<std::size_t, 5> class_sizes{64, 128, 256, 512, 1024};

  work_item_pool() = default;
  work_item_pool(const work_item_pool&) = delete;
  work_item_pool& operator=(const work_item_pool&) = delete;
  ~work_item_pool() {
    for (free_block* head : free_) {
      while (head) {
        free_block* next = head->next;
        ::operator delete(head);
        head = next;
      }
    }
  }

  static constexpr std::uint8_t class_of(std::size_t size) noexcept {
    for (std::size_t i = 0; i < class_sizes.size(); ++i) {
      if (size <= class_sizes[i]) return static_cast<std::uint8_t>(i);
    }
    return heap_class;
  }

  void* allocate(std::uint8_t size_class, std::size_t size) {
    if (size_class == heap_class) return ::operator new(size);
    if (free_block* block = free_[size_class]) {
      free_[size_class] = block->next;
      return block;
    }
    return ::operator new(class_sizes[size_class]);
  }

  void deallocate(void* memory, std::uint8_t size_class) noexcept {
    if (size_class == heap_class) {
      ::operator delete(memory);
      return;
    }
    auto* block = static_cast<free_block*>(memory);
    block->next = free_[size_class];
    free_[size_class] = block;
  }

 private:
  struct free_block {
    free_block* next;
  };
  std::array<free_block*, class_sizes.size()> free_{};
};

}  // namespace shardmq::detail
