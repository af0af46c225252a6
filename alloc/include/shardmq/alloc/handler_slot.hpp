#pragma once
// Handler memory for an I/O object's asynchronous operations: one inline slot per direction,
// reused by every operation that fits, with the core_pool behind it for those that do not.

#include <shardmq/alloc/core_pool.hpp>

#include <asio/bind_allocator.hpp>

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

namespace shardmq::alloc {

/// One reusable block for the pending operation of one direction (read or write) of an I/O
/// object. At most one operation per direction is in flight, so one block suffices; keep slots
/// together at the end of the object (cold part), away from the fields touched per byte. The
/// default fits asio::async_read/async_write on a TCP socket with a handler of up to ~56 bytes
/// (measured: 272 bytes with an 8-byte handler, Asio 1.22).
template <std::size_t Size = 320>
class handler_slot {
 public:
  static constexpr std::size_t size = Size;
  handler_slot() = default;
  handler_slot(const handler_slot&) = delete;
  handler_slot& operator=(const handler_slot&) = delete;

  std::uint64_t slot_uses() const noexcept { return slot_uses_; }
  std::uint64_t pool_uses() const noexcept { return pool_uses_; }  ///< too big, or the slot was busy

 private:
  template <class T, std::size_t S>
  friend class slot_allocator;
  alignas(std::max_align_t) std::byte storage_[Size];
  bool in_use_ = false;
  std::uint64_t slot_uses_ = 0;
  std::uint64_t pool_uses_ = 0;
};

/// The associated allocator Asio uses for an operation's memory: the slot when it fits and is
/// free, otherwise the calling thread's core_pool (the system allocator on a thread without one).
template <class T, std::size_t Size>
class slot_allocator {
 public:
  using value_type = T;
  template <class U>
  struct rebind {
    using other = slot_allocator<U, Size>;
  };

  explicit slot_allocator(handler_slot<Size>& slot) noexcept : slot_(&slot) {}
  template <class U>
  slot_allocator(const slot_allocator<U, Size>& other) noexcept : slot_(other.slot_) {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (!slot_->in_use_ && bytes <= Size && alignof(T) <= alignof(std::max_align_t)) {
      slot_->in_use_ = true;
      ++slot_->slot_uses_;
      return reinterpret_cast<T*>(slot_->storage_);
    }
    ++slot_->pool_uses_;
    core_pool* pool = core_pool::local();
    return static_cast<T*>(pool ? pool->allocate(bytes) : ::operator new(bytes));
  }

  void deallocate(T* p, std::size_t) noexcept {
    if (reinterpret_cast<std::byte*>(p) == slot_->storage_) {
      slot_->in_use_ = false;
    } else {
      core_pool::deallocate(p);
    }
  }

  template <class U>
  bool operator==(const slot_allocator<U, Size>& other) const noexcept {
    return slot_ == other.slot_;
  }

 private:
  template <class U, std::size_t S>
  friend class slot_allocator;
  handler_slot<Size>* slot_;
};

/// Binds `handler` to `slot`: pass the result to any Asio asynchronous operation as its
/// completion handler, e.g. `socket.async_read_some(buffer, bind_slot(read_slot_, handler))`.
template <std::size_t Size, class Handler>
auto bind_slot(handler_slot<Size>& slot, Handler&& handler) {
  return asio::bind_allocator(slot_allocator<void, Size>(slot), std::forward<Handler>(handler));
}

}  // namespace shardmq::alloc
