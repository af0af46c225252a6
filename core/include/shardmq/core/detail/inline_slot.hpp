#pragma once
// One reusable block of handler memory inside an object, for an operation that is re-armed
// forever (the reactor's doorbell wait). The alloc module generalises this into handler slots.

#include <cstddef>
#include <new>

namespace shardmq::detail {

template <std::size_t Size>
struct inline_slot {
  alignas(std::max_align_t) std::byte storage[Size];
  bool in_use = false;
};

/// Standard allocator over an inline_slot: the slot when it fits and is free, else the heap.
template <class T, std::size_t Size>
class inline_slot_allocator {
 public:
  using value_type = T;
  template <class U>
  struct rebind {
    using other = inline_slot_allocator<U, Size>;
  };

  explicit inline_slot_allocator(inline_slot<Size>& slot) noexcept : slot_(&slot) {}
  template <class U>
  inline_slot_allocator(const inline_slot_allocator<U, Size>& other) noexcept : slot_(other.slot_) {}

  T* allocate(std::size_t n) {
    if (!slot_->in_use && n * sizeof(T) <= Size && alignof(T) <= alignof(std::max_align_t)) {
      slot_->in_use = true;
      return reinterpret_cast<T*>(slot_->storage);
    }
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }

  void deallocate(T* p, std::size_t) noexcept {
    if (reinterpret_cast<std::byte*>(p) == slot_->storage) {
      slot_->in_use = false;
    } else {
      ::operator delete(p);
    }
  }

  template <class U>
  bool operator==(const inline_slot_allocator<U, Size>& other) const noexcept {
    return slot_ == other.slot_;
  }

 private:
  template <class U, std::size_t S>
  friend class inline_slot_allocator;
  inline_slot<Size>* slot_;
};

}  // namespace shardmq::detail
