#pragma once
// What keeps the compiler from deleting or folding the work a benchmark times. GCC removes a
// malloc/free or new/delete pair whose memory is never observed, and folds the size class of a
// constant size at compile time; every variant of a comparison goes through the same barriers.

#include <cstddef>

namespace shardmq::bench {

/// The pointer (and all memory) is treated as read and written by unseen code: the allocation it
/// came from cannot be elided, and stores before this point must really happen.
inline void escape(void* pointer) noexcept { asm volatile("" : : "r"(pointer) : "memory"); }

/// `value` as the compiler cannot know it: sizes reach the allocators as run-time values, the way a
/// message size does, so core_pool pays its size -> class lookup like malloc does.
template <class T>
inline T opaque(T value) noexcept {
  asm volatile("" : "+r"(value));
  return value;
}

/// Writes one byte (so the block is really used) and lets the pointer escape.
inline void touch_and_escape(void* block, unsigned char value) noexcept {
  *static_cast<unsigned char*>(block) = value;
  escape(block);
}

}  // namespace shardmq::bench
