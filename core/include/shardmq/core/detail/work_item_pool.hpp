#pragma once
// Per-core recycling of work-item memory, so that steady-state submit_to never calls malloc.
// The alloc module's core_pool replaces this once it lands.

#include <array>
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace shardmq::detail {

/// Size-class free lists owned by one reactor. Items are allocated and freed on the same core
/// (the origin), so no synchronisation is needed. Blocks are whole cache lines, carved from
/// 64-byte-aligned slabs: an item travels to another core and back, and an item that shared a
/// line with its neighbour would drag that neighbour along (measured: 16-byte-aligned blocks
/// halved cross-core throughput).
class work_item_pool {
 public:
  /// Marks memory that came from the heap (outside threads, oversized items).
  static constexpr std::uint8_t heap_class = 0xff;
  static constexpr std::size_t cache_line = 64;
  static constexpr std::array<std::size_t, 5> class_sizes{64, 128, 256, 512, 1024};
  static constexpr std::size_t slab_bytes = 16 * 1024;

  work_item_pool() = default;
  work_item_pool(const work_item_pool&) = delete;
  work_item_pool& operator=(const work_item_pool&) = delete;
  ~work_item_pool() {
    for (void* slab : slabs_) ::operator delete (slab, std::align_val_t{cache_line});
  }

  static constexpr std::uint8_t class_of(std::size_t size) noexcept {
    for (std::size_t i = 0; i < class_sizes.size(); ++i) {
      if (size <= class_sizes[i]) return static_cast<std::uint8_t>(i);
    }
    return heap_class;
  }

  void* allocate(std::uint8_t size_class, std::size_t size) {
    if (size_class == heap_class) return ::operator new(size);
    if (free_[size_class] == nullptr) refill(size_class);
    free_block* block = free_[size_class];
    free_[size_class] = block->next;
    return block;
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

  void refill(std::uint8_t size_class) {
    const std::size_t block = class_sizes[size_class];
    const std::size_t bytes = block > slab_bytes ? block : slab_bytes;
    auto* slab = static_cast<std::byte*>(::operator new (bytes, std::align_val_t{cache_line}));
    slabs_.push_back(slab);
    for (std::size_t offset = bytes; offset >= block; offset -= block) {
      deallocate(slab + offset - block, size_class);
    }
  }

  std::array<free_block*, class_sizes.size()> free_{};
  std::vector<void*> slabs_;
};

}  // namespace shardmq::detail
