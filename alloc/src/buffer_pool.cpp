#include <shardmq/alloc/buffer_pool.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <new>

namespace shardmq::alloc {

namespace {

// A chunk is one mapping: its buffers' headers first (a whole number of pages), then the bytes,
// so the buffers stay page-aligned and the foreign-written headers share no line with data.
std::size_t header_bytes(std::size_t buffers) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t bytes = buffers * sizeof(detail::buffer_header);
  return (bytes + page - 1) / page * page;
}

}  // namespace

buffer_pool::buffer_pool(buffer_pool_options options) : options_(options) {
  chunks_.reserve(64);
  for (std::size_t size_class = 0; size_class < class_sizes.size(); ++size_class) {
    const std::size_t per_chunk = chunk_bytes / class_sizes[size_class];
    const std::size_t chunks = (options_.warm_buffers[size_class] + per_chunk - 1) / per_chunk;
    for (std::size_t i = 0; i < chunks; ++i) {
      if (!map_chunk(size_class)) {
        this->~buffer_pool();  // unmap what was mapped; members are still alive
        throw std::bad_alloc();
      }
    }
  }
}

buffer_pool::~buffer_pool() {
  if (detail::local_buffer_pool == this) detail::local_buffer_pool = nullptr;
  // Releases made elsewhere after the owner's last drain: oversized buffers among them are heap
  // memory to free. (Whoever destroys the pool is its owner now: the owning thread is gone.)
  drain_remote_releases();
  for (const chunk& c : chunks_) ::munmap(c.memory, c.bytes);
  chunks_.clear();
}

bool buffer_pool::map_chunk(std::size_t size_class) noexcept {
  const std::size_t capacity = class_sizes[size_class];
  const std::size_t buffers = chunk_bytes / capacity;
  const std::size_t headers = header_bytes(buffers);
  const std::size_t bytes = headers + chunk_bytes;
  if (options_.max_bytes != 0 &&
      stats_.bytes_mapped + stats_.fallback_bytes_live + bytes > options_.max_bytes) {
    return false;
  }
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return false;
  try {
    chunks_.push_back({memory, bytes});
  } catch (const std::bad_alloc&) {
    ::munmap(memory, bytes);
    return false;
  }
  auto* header = static_cast<detail::buffer_header*>(memory);
  std::byte* data = static_cast<std::byte*>(memory) + headers;
  // Thread them in address order, so a fresh pool hands out buffers front to back.
  for (std::size_t i = buffers; i-- > 0;) {
    auto* h = new (header + i) detail::buffer_header;
    h->owner = this;
    h->data = data + i * capacity;
    h->capacity = static_cast<std::uint32_t>(capacity);
    h->size_class = static_cast<std::uint8_t>(size_class);
    h->free_list = &free_lists_[size_class];
    h->next_free = free_lists_[size_class].head;
    free_lists_[size_class].head = h;
  }
  if (options_.pre_touch) {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    for (std::size_t offset = 0; offset < chunk_bytes; offset += page) {
      *static_cast<volatile std::byte*>(data + offset) = std::byte{0};
    }
  }
  stats_.bytes_mapped += bytes;
  stats_.classes[size_class].buffers += buffers;
  return true;
}

slice buffer_pool::acquire_slow(std::size_t size_class) noexcept {
  // Buffers released on other cores may be waiting: reuse them before mapping more memory.
  if (has_remote_releases()) drain_remote_releases();
  detail::buffer_free_list& list = free_lists_[size_class];
  if (list.head == nullptr && !map_chunk(size_class)) {
    ++stats_.refused;
    return {};
  }
  detail::buffer_header* header = list.head;
  list.head = header->next_free;
  return hand_out(*header);
}

slice buffer_pool::acquire_oversized(std::size_t size) noexcept {
  const std::size_t bytes = sizeof(detail::buffer_header) + size;
  if (size > UINT32_MAX || (options_.max_bytes != 0 &&
                            stats_.bytes_mapped + stats_.fallback_bytes_live + size > options_.max_bytes)) {
    ++stats_.refused;
    return {};
  }
  void* memory = ::operator new (bytes, std::align_val_t{alignof(detail::buffer_header)}, std::nothrow);
  if (memory == nullptr) {
    ++stats_.refused;
    return {};
  }
  auto* header = new (memory) detail::buffer_header;
  header->owner = this;
  header->data = static_cast<std::byte*>(memory) + sizeof(detail::buffer_header);
  header->capacity = static_cast<std::uint32_t>(size);
  header->size_class = oversized_class;
  header->refs = 1;
  header->free_list = nullptr;
  ++stats_.fallbacks;
  stats_.fallback_bytes_live += size;
  return slice(header, header->data, size);
}

void buffer_pool::give_back(detail::buffer_header& header) noexcept {
  if (header.size_class == oversized_class) {
    // No other core can touch it any more: its last reference is gone and its delta applied.
    stats_.fallback_bytes_live -= header.capacity;
    header.~buffer_header();
    ::operator delete (&header, std::align_val_t{alignof(detail::buffer_header)});
    return;
  }
  detail::buffer_free_list& list = *header.free_list;
  ++list.returns;
  header.next_free = list.head;
  list.head = &header;
}

buffer_pool_stats buffer_pool::stats() const noexcept {
  buffer_pool_stats copy = stats_;
  for (std::size_t c = 0; c < free_lists_.size(); ++c) {
    copy.classes[c].acquires = free_lists_[c].acquires;
    copy.classes[c].returns = free_lists_[c].returns;
  }
  return copy;
}

void buffer_pool::push_remote(detail::buffer_header& header) noexcept {
  detail::buffer_header* head = remote_head_.load(std::memory_order_relaxed);
  do {
    header.remote_next = head;
  } while (!remote_head_.compare_exchange_weak(head, &header, std::memory_order_release,
                                               std::memory_order_relaxed));
}

std::size_t buffer_pool::drain_remote_releases() noexcept {
  detail::buffer_header* header = remote_head_.exchange(nullptr, std::memory_order_acquire);
  std::size_t drained = 0;
  while (header != nullptr) {
    // Read the link before clearing the queued bit: from then on another core may queue it again.
    detail::buffer_header* next = header->remote_next;
    const std::int64_t delta = header->remote_state.exchange(0, std::memory_order_acq_rel) >> 1;
    if (delta > 0 && header->size_class != oversized_class) {
      stats_.classes[header->size_class].remote_releases += static_cast<std::uint64_t>(delta);
    }
    header->refs -= static_cast<std::int32_t>(delta);
    // refs can be zero with delta zero: release_last left the buffer to us because it was queued.
    if (header->refs == 0) give_back(*header);
    ++drained;
    header = next;
  }
  return drained;
}

void buffer_pool::throw_refused() { throw std::bad_alloc(); }

namespace detail {

void release_last(buffer_header& header) noexcept {
  // Shares made on other cores may not have been applied yet: a slice shared there and sent back
  // here is counted only in remote_state. Fold that in before deciding the buffer is free.
  std::int64_t state = header.remote_state.load(std::memory_order_acquire);
  if (state != 0) {
    while (!header.remote_state.compare_exchange_weak(state, state & 1, std::memory_order_acq_rel)) {
    }
    header.refs -= static_cast<std::int32_t>(state >> 1);
    // Still queued: a foreign core may be about to push the header; the drain gives it back.
    if (header.refs != 0 || (state & 1) != 0) return;
  }
  header.owner->give_back(header);
}

void share_foreign(buffer_header& header) noexcept {
  // The sharer holds a reference, so the owner's count cannot reach zero before it sees this:
  // the new slice reaches the owner only through a hand-off that orders this subtraction first.
  header.remote_state.fetch_sub(2, std::memory_order_release);
}

void release_foreign(buffer_header& header) noexcept {
  buffer_pool* owner = header.owner;
  std::int64_t state = header.remote_state.load(std::memory_order_relaxed);
  while (!header.remote_state.compare_exchange_weak(state, (state + 2) | 1, std::memory_order_acq_rel,
                                                    std::memory_order_relaxed)) {
  }
  // Whoever sets the queued bit pushes; until the owner drains it the buffer cannot be freed, so
  // the header is still ours to link.
  if ((state & 1) == 0) owner->push_remote(header);
}

}  // namespace detail

}  // namespace shardmq::alloc
