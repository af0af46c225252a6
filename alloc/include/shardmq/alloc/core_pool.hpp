#pragma once
// A per-core slab allocator: size-class free lists carved from spans of one address region that
// the pool reserves for itself, so the owner and class of any pointer are found from its address.

#include <shardmq/alloc/size_classes.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace shardmq::alloc {

/// Set-up choices of a core_pool.
struct core_pool_options {
  /// Bytes committed at construction (rounded up to 2 MiB chunks): warm-up, no mapping later.
  std::size_t reserve_bytes = 0;
  /// Fault committed pages in at once (MAP_POPULATE) instead of on first use.
  bool pre_touch = false;
  /// Ask for transparent huge pages (madvise(MADV_HUGEPAGE)) on committed chunks.
  bool huge_pages = false;
};

/// Counters of one size class; written by the owning thread only.
struct class_stats {
  std::uint64_t allocations = 0;
  std::uint64_t frees = 0;         ///< on the owning core
  std::uint64_t remote_frees = 0;  ///< freed on another core, counted when drained
  std::uint64_t spans = 0;
  std::uint64_t live() const noexcept { return allocations - frees - remote_frees; }
};

/// Counters of one pool.
struct core_pool_stats {
  std::array<class_stats, size_classes::count> classes{};
  std::uint64_t bytes_mapped = 0;
  std::uint64_t fallbacks = 0;      ///< allocations served by the system allocator
  std::uint64_t remote_drains = 0;  ///< drain_remote_frees calls that found something
};

/// One core's allocator. allocate() and drain_remote_frees() belong to the owning thread (the one
/// that called bind_to_this_thread); deallocate() may be called from any thread: on the owner it
/// is a push onto a free list, elsewhere a lock-free push onto the owner's remote-free stack.
/// Sizes above size_classes::max_size go to the system allocator and are counted.
/// Never the global allocator: memory comes only from explicit calls and pool_allocator.
class core_pool {
 public:
  /// Reserves the pool's address region; throws std::bad_alloc if the OS refuses.
  explicit core_pool(core_pool_options options = {});
  /// Unmaps everything: every block must have been freed (and remote frees drained) before.
  ~core_pool();
  core_pool(const core_pool&) = delete;
  core_pool& operator=(const core_pool&) = delete;

  /// The pool bound to the calling thread, or null.
  static core_pool* local() noexcept { return local_pool; }
  /// Makes this pool the calling thread's pool (the reactor does this on its thread).
  void bind_to_this_thread() noexcept { local_pool = this; }
  static void unbind_this_thread() noexcept { local_pool = nullptr; }

  /// Owner thread only. Never returns null; throws std::bad_alloc when memory runs out.
  void* allocate(std::size_t size) {
    const std::uint8_t size_class = size_classes::class_of(size);
    if (size_class == size_classes::none) return allocate_fallback(size);
    free_node* node = free_[size_class];
    if (node == nullptr) return allocate_slow(size_class);
    free_[size_class] = node->next;
    ++stats_.classes[size_class].allocations;
    return node;
  }

  /// Any thread; `memory` may come from any pool or from a fallback allocation. Null is ignored.
  static void deallocate(void* memory) noexcept {
    if (memory == nullptr) return;
    core_pool* owner = owner_of(memory);
    if (owner == nullptr) {
      ::operator delete(memory);
    } else if (owner == local_pool) {
      owner->free_local(memory);
    } else {
      owner->free_remote(memory);
    }
  }

  /// Owner thread: moves every block freed on other cores back onto its free lists. Returns how
  /// many. The reactor calls this once per turn.
  std::size_t drain_remote_frees() noexcept;
  bool has_remote_frees() const noexcept { return remote_head_.load(std::memory_order_relaxed) != nullptr; }

  /// The pool whose region holds `memory`, or null (system allocator). O(1): one table load.
  static core_pool* owner_of(const void* memory) noexcept {
    const auto address = reinterpret_cast<std::uintptr_t>(memory);
    const std::uintptr_t region = address >> region_bits;
    if (region >= region_table_size) return nullptr;
    return region_owners[region].load(std::memory_order_acquire);
  }
  /// The size class of a block of this pool.
  std::uint8_t class_of(const void* block) const noexcept {
    return span_classes_[(reinterpret_cast<std::uintptr_t>(block) - base_) >> span_bits];
  }

  const core_pool_stats& stats() const noexcept { return stats_; }

  static constexpr unsigned region_bits = 32;          ///< each pool owns a 4 GiB-aligned 4 GiB region
  static constexpr unsigned span_bits = 17;            ///< spans of 128 KiB, one size class each
  static constexpr std::size_t chunk_bytes = 2 << 20;  ///< committed at a time (a huge page)

 private:
  struct free_node {
    free_node* next;
  };

  void free_local(void* memory) noexcept {
    const std::uint8_t size_class = class_of(memory);
    auto* node = static_cast<free_node*>(memory);
    node->next = free_[size_class];
    free_[size_class] = node;
    ++stats_.classes[size_class].frees;
  }
  void free_remote(void* memory) noexcept;
  void* allocate_slow(std::uint8_t size_class);
  void* allocate_fallback(std::size_t size);
  bool new_span(std::uint8_t size_class);
  bool commit_chunk();

  static constexpr std::size_t region_bytes = std::size_t{1} << region_bits;
  static constexpr std::size_t span_bytes = std::size_t{1} << span_bits;
  static constexpr std::size_t spans_per_region = region_bytes / span_bytes;
  // 47-bit user address space / 4 GiB regions.
  static constexpr std::size_t region_table_size = std::size_t{1} << (47 - region_bits);
  static std::atomic<core_pool*> region_owners[region_table_size];
  static inline thread_local core_pool* local_pool = nullptr;

  // Hot, owner-only fields first.
  std::array<free_node*, size_classes::count> free_{};
  std::array<char*, size_classes::count> carve_next_{};  // bump pointer inside the class's span
  std::array<char*, size_classes::count> carve_end_{};
  core_pool_stats stats_;
  std::uintptr_t base_ = 0;
  std::size_t committed_ = 0;  // bytes of the region committed
  std::size_t spans_used_ = 0;
  core_pool_options options_;
  std::unique_ptr<std::uint8_t[]> span_classes_;
  // Written by other cores: on its own cache line.
  alignas(64) std::atomic<free_node*> remote_head_{nullptr};
};

}  // namespace shardmq::alloc
