#pragma once
// The control block of one buffer of a buffer_pool, and the reference-count paths a slice takes.
// The count is a plain integer that only the owning core touches: no atomic read-modify-write on
// the common path. Other cores record their shares and releases in `remote_state` and queue the
// header on the owner's remote list, which the owner drains each reactor turn (the same scheme
// as core_pool's remote frees).

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace shardmq::alloc {

class buffer_pool;

namespace detail {

/// The pool bound to the calling thread: a header owned by it is counted directly.
inline thread_local const buffer_pool* local_buffer_pool = nullptr;

struct buffer_header;

/// The free buffers of one class of one pool, with the counters their path touches anyway.
struct buffer_free_list {
  buffer_header* head = nullptr;
  std::uint64_t acquires = 0;
  std::uint64_t returns = 0;
};

/// One buffer's control block. It lives in the pool's header array, one cache line each, away
/// from the bytes: a foreign core writing `remote_state` does not disturb the data the owner reads.
struct alignas(64) buffer_header {
  // Owner core only.
  buffer_pool* owner = nullptr;
  std::byte* data = nullptr;
  std::uint32_t capacity = 0;
  std::uint8_t size_class = 0;
  std::int32_t refs = 0;
  buffer_header* next_free = nullptr;
  buffer_free_list* free_list = nullptr;  // its class's list; null for an oversized buffer
  // Written by other cores: (delta << 1) | queued, in one word so that "count my release" and
  // "am I the one who queues the header" are one atomic step. delta is the net of the releases
  // (+1) and shares (-1) made on other cores and not yet applied to `refs`; queued says the
  // header is on (or about to be pushed onto) the owner's remote list. A free buffer has 0 here.
  std::atomic<std::int64_t> remote_state{0};
  buffer_header* remote_next = nullptr;

  bool owned_here() const noexcept { return owner == local_buffer_pool; }
};
static_assert(sizeof(buffer_header) == 64);

/// Owner core, the local count reached zero and other cores did something with the buffer (or it
/// is oversized): folds that in, frees if still unreferenced.
void release_last(buffer_header& header) noexcept;

/// Owner core: the last local reference is gone. The common case, nothing done elsewhere, is a
/// push onto the class's free list, inline.
inline void release_last_local(buffer_header& header) noexcept {
  buffer_free_list* list = header.free_list;
  if (header.remote_state.load(std::memory_order_relaxed) == 0 && list != nullptr) {
    header.next_free = list->head;
    list->head = &header;
    ++list->returns;
    return;
  }
  release_last(header);
}
/// Any core but the owner: one more reference exists.
void share_foreign(buffer_header& header) noexcept;
/// Any core but the owner: one reference is gone; the owner learns it at its next drain.
void release_foreign(buffer_header& header) noexcept;

}  // namespace detail
}  // namespace shardmq::alloc
