#pragma once
// Per-core pools of fixed-size I/O buffers (8, 16 and 64 KiB), handed out as slices. Buffers are
// carved from 1 MiB chunks the pool maps itself, warmed at start-up, and recycled through a free
// list per class: acquiring and releasing a buffer is a pointer pop/push on its core.

#include <shardmq/alloc/slice.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace shardmq::alloc {

/// Set-up choices of a buffer_pool.
struct buffer_pool_options {
  /// Buffers of each class (8, 16, 64 KiB) mapped at construction, rounded up to whole 1 MiB
  /// chunks. The default maps one chunk per class: 3 MiB per core.
  std::array<std::size_t, 3> warm_buffers{128, 64, 16};
  /// Fault the warm buffers in at construction (write one byte per page) so the first reads do
  /// not page-fault. Construct the pool on the thread that will use it: the pages land on its
  /// NUMA node.
  bool pre_touch = true;
  /// Upper bound on the pool's memory (mapped chunks plus live oversized buffers); 0 means no
  /// bound. Past it acquire() throws std::bad_alloc and try_acquire() returns an empty slice.
  std::size_t max_bytes = 0;
};

/// Counters of one buffer class; written by the owning thread only.
struct buffer_class_stats {
  std::uint64_t acquires = 0;
  std::uint64_t returns = 0;  ///< buffers back on the free list (last slice gone)
  /// References dropped on other cores net of the shares made there, counted when drained.
  std::uint64_t remote_releases = 0;
  std::uint64_t buffers = 0;  ///< mapped buffers of this class
  std::uint64_t in_use() const noexcept { return acquires - returns; }
};

/// Counters of one buffer pool.
struct buffer_pool_stats {
  std::array<buffer_class_stats, 3> classes{};
  std::uint64_t bytes_mapped = 0;
  std::uint64_t fallbacks = 0;            ///< buffers above 64 KiB, from the system allocator
  std::uint64_t fallback_bytes_live = 0;  ///< bytes of such buffers still held
  std::uint64_t refused = 0;              ///< acquires refused by max_bytes or the OS
};

/// One core's I/O buffers. acquire(), drain_remote_releases() and the destructor belong to the
/// owning thread (the one that called bind_to_this_thread); slices may travel to any thread.
/// Requests above 64 KiB get a buffer of exactly that size from the system allocator (counted);
/// it is reference-counted and returned the same way.
class buffer_pool {
 public:
  static constexpr std::array<std::size_t, 3> class_sizes{8 * 1024, 16 * 1024, 64 * 1024};
  static constexpr std::size_t chunk_bytes = std::size_t{1} << 20;

  /// Maps (and, with pre_touch, faults in) the warm buffers; throws std::bad_alloc if the OS
  /// refuses.
  explicit buffer_pool(buffer_pool_options options = {});
  /// Unmaps everything. Slices still held point into freed memory: release them first.
  ~buffer_pool();
  buffer_pool(const buffer_pool&) = delete;
  buffer_pool& operator=(const buffer_pool&) = delete;

  /// The pool bound to the calling thread, or null.
  static buffer_pool* local() noexcept { return const_cast<buffer_pool*>(detail::local_buffer_pool); }
  /// Makes this pool the calling thread's pool: its slices are then counted without atomics here.
  void bind_to_this_thread() noexcept { detail::local_buffer_pool = this; }
  static void unbind_this_thread() noexcept { detail::local_buffer_pool = nullptr; }

  /// Owner thread. A slice over a whole buffer of at least `min_size` bytes (the smallest class
  /// that fits: the slice's size is the class size). Throws std::bad_alloc past max_bytes.
  slice acquire(std::size_t min_size) {
    slice result = try_acquire(min_size);
    if (!result) throw_refused();
    return result;
  }
  /// Owner thread. As acquire(), but an empty slice (false) instead of an exception.
  slice try_acquire(std::size_t min_size) noexcept {
    const std::size_t size_class = class_for(min_size);
    if (size_class >= class_sizes.size()) return acquire_oversized(min_size);
    detail::buffer_free_list& list = free_lists_[size_class];
    detail::buffer_header* header = list.head;
    if (header == nullptr) return acquire_slow(size_class);
    list.head = header->next_free;
    return hand_out(*header);
  }

  /// Owner thread: applies shares and releases made on other cores and returns the buffers they
  /// freed. Returns how many headers were processed. The reactor calls this once per turn.
  std::size_t drain_remote_releases() noexcept;
  bool has_remote_releases() const noexcept {
    return remote_head_.load(std::memory_order_relaxed) != nullptr;
  }

  /// A copy of the counters (owner thread, or any thread while the owner is quiet).
  buffer_pool_stats stats() const noexcept;

  /// The class index whose buffers hold `size` bytes, or class_sizes.size() when none does.
  static constexpr std::size_t class_for(std::size_t size) noexcept {
    std::size_t c = 0;
    while (c < class_sizes.size() && class_sizes[c] < size) ++c;
    return c;
  }

 private:
  friend void detail::release_last(detail::buffer_header&) noexcept;
  friend void detail::release_foreign(detail::buffer_header&) noexcept;

  static constexpr std::uint8_t oversized_class = 0xff;

  slice hand_out(detail::buffer_header& header) noexcept {
    header.refs = 1;
    ++header.free_list->acquires;
    return slice(&header, header.data, header.capacity);
  }
  slice acquire_slow(std::size_t size_class) noexcept;
  slice acquire_oversized(std::size_t size) noexcept;
  bool map_chunk(std::size_t size_class) noexcept;
  void give_back(detail::buffer_header& header) noexcept;
  void push_remote(detail::buffer_header& header) noexcept;
  [[noreturn]] static void throw_refused();

  struct chunk {
    void* memory;
    std::size_t bytes;
  };

  // Hot, owner-only fields first.
  std::array<detail::buffer_free_list, 3> free_lists_{};
  buffer_pool_stats stats_;  // all but acquires and returns, which live in free_lists_
  buffer_pool_options options_;
  std::vector<chunk> chunks_;
  // Written by other cores: on its own cache line.
  alignas(64) std::atomic<detail::buffer_header*> remote_head_{nullptr};
};

}  // namespace shardmq::alloc
