#pragma once

#include <shardmq/alloc/core_pool.hpp>

#include <cstddef>
#include <new>

namespace shardmq::alloc {

/// A standard allocator over the calling thread's core_pool (system allocator on a thread without
/// one). Containers built on a reactor allocate from its core; elements freed elsewhere go back
/// to their owner through the remote-free path.
template <class T>
class pool_allocator {
 public:
  using value_type = T;
  static_assert(alignof(T) <= size_classes::granule, "pool_allocator: over-aligned types are not supported");

  pool_allocator() noexcept = default;
  template <class U>
  pool_allocator(const pool_allocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    core_pool* pool = core_pool::local();
    return static_cast<T*>(pool ? pool->allocate(n * sizeof(T)) : ::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t) noexcept { core_pool::deallocate(p); }

  template <class U>
  bool operator==(const pool_allocator<U>&) const noexcept {
    return true;  // any pool_allocator can free what another allocated
  }
};

}  // namespace shardmq::alloc
