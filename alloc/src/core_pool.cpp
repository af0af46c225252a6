#include <shardmq/alloc/core_pool.hpp>

#include <sys/mman.h>

#include <new>

namespace shardmq::alloc {

std::atomic<core_pool*> core_pool::region_owners[core_pool::region_table_size];

namespace {

/// Reserves `bytes` of address space aligned to `bytes` (over-reserve, then trim both ends).
/// PROT_NONE and MAP_NORESERVE: nothing is committed or counted until a chunk is mapped.
std::uintptr_t reserve_aligned_region(std::size_t bytes) {
  void* raw = ::mmap(nullptr, 2 * bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (start + bytes - 1) & ~(bytes - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  const std::uintptr_t tail = aligned + bytes;
  const std::uintptr_t end = start + 2 * bytes;
  if (end > tail) ::munmap(reinterpret_cast<void*>(tail), end - tail);
  return aligned;
}

}  // namespace

core_pool::core_pool(core_pool_options options)
    : options_(options), span_classes_(std::make_unique<std::uint8_t[]>(spans_per_region)) {
  base_ = reserve_aligned_region(region_bytes);
  const std::uintptr_t region = base_ >> region_bits;
  if (region >= region_table_size) {
    ::munmap(reinterpret_cast<void*>(base_), region_bytes);
    throw std::bad_alloc();
  }
  region_owners[region].store(this, std::memory_order_release);
  while (committed_ < options_.reserve_bytes) {
    if (!commit_chunk()) break;
  }
}

core_pool::~core_pool() {
  if (local_pool == this) local_pool = nullptr;
  region_owners[base_ >> region_bits].store(nullptr, std::memory_order_release);
  ::munmap(reinterpret_cast<void*>(base_), region_bytes);
}

bool core_pool::commit_chunk() {
  if (committed_ + chunk_bytes > region_bytes) return false;
  void* chunk = reinterpret_cast<void*>(base_ + committed_);
  const int populate = options_.pre_touch ? MAP_POPULATE : 0;
  if (::mmap(chunk, chunk_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | populate,
             -1, 0) == MAP_FAILED) {
    return false;
  }
  if (options_.huge_pages) ::madvise(chunk, chunk_bytes, MADV_HUGEPAGE);
  if (options_.pre_touch) {
    // MAP_POPULATE alone left the first write to each page costing ~5 us on this VM (measured by
    // bench-alloc, against ~25 us cold): write one byte per page so first use costs nothing.
    for (std::size_t offset = 0; offset < chunk_bytes; offset += 4096) {
      static_cast<volatile char*>(chunk)[offset] = 0;
    }
  }
  committed_ += chunk_bytes;
  stats_.bytes_mapped += chunk_bytes;
  return true;
}

bool core_pool::new_span(std::uint8_t size_class) {
  if ((spans_used_ + 1) * span_bytes > committed_ && !commit_chunk()) return false;
  char* span = reinterpret_cast<char*>(base_ + spans_used_ * span_bytes);
  span_classes_[spans_used_++] = size_class;
  carve_next_[size_class] = span;
  carve_end_[size_class] = span + span_bytes;
  ++stats_.classes[size_class].spans;
  return true;
}

void* core_pool::allocate_slow(std::uint8_t size_class) {
  // Blocks are carved lazily from the class's current span: a new span costs nothing up front.
  const std::size_t size = size_classes::size_of(size_class);
  if (carve_end_[size_class] - carve_next_[size_class] < static_cast<std::ptrdiff_t>(size)) {
    if (drain_remote_frees() != 0 && free_[size_class] != nullptr) return allocate(size);
    if (!new_span(size_class)) return allocate_fallback(size);
  }
  void* block = carve_next_[size_class];
  carve_next_[size_class] += size;
  ++stats_.classes[size_class].allocations;
  return block;
}

void* core_pool::allocate_fallback(std::size_t size) {
  ++stats_.fallbacks;
  return ::operator new(size);
}

void core_pool::free_remote(void* memory) noexcept {
  auto* node = static_cast<free_node*>(memory);
  free_node* head = remote_head_.load(std::memory_order_relaxed);
  do {
    node->next = head;
  } while (
      !remote_head_.compare_exchange_weak(head, node, std::memory_order_release, std::memory_order_relaxed));
}

std::size_t core_pool::drain_remote_frees() noexcept {
  if (remote_head_.load(std::memory_order_relaxed) == nullptr) return 0;
  // One exchange takes the whole stack (Seastar's scheme): no ABA, no per-node atomics.
  free_node* node = remote_head_.exchange(nullptr, std::memory_order_acquire);
  std::size_t drained = 0;
  while (node != nullptr) {
    free_node* next = node->next;
    const std::uint8_t size_class = class_of(node);
    node->next = free_[size_class];
    free_[size_class] = node;
    ++stats_.classes[size_class].remote_frees;
    ++drained;
    node = next;
  }
  ++stats_.remote_drains;
  return drained;
}

}  // namespace shardmq::alloc
