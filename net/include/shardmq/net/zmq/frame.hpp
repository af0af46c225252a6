#pragma once
// One part of a ZeroMQ message. Payloads up to frame::inline_capacity bytes live inside the
// frame (no allocation: most control frames, envelopes and small requests); larger ones are an
// alloc::slice, usually cut straight out of the receive buffer by the ZMTP decoder, so a
// 64 KiB read carrying many frames is shared, not copied.

#include <shardmq/alloc/buffer_pool.hpp>
#include <shardmq/alloc/slice.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace shardmq::net::zmq {

/// A move-only frame body: inline bytes (≤ inline_capacity) or a slice of a pooled buffer.
/// Moving a frame to another core hands the slice's reference over; no byte is copied.
class frame {
 public:
  /// 32 bytes keep a frame at 40 bytes (the slice it may hold is 24) and cover routing ids
  /// (libzmq generates 5), REQ delimiters, topics and most small requests; libzmq's own
  /// inline limit is 33.
  static constexpr std::size_t inline_capacity = 32;

  // Zeroed: moves copy the whole inline area (see copy_inline), never an indeterminate byte.
  frame() noexcept : inline_{}, size_(0), is_slice_(false) {}
  /// Takes the slice over as the body (its whole view).
  explicit frame(alloc::slice body) noexcept : size_(0), is_slice_(true) {
    new (&slice_) alloc::slice(std::move(body));
  }
  frame(frame&& other) noexcept : size_(other.size_), is_slice_(other.is_slice_) {
    if (is_slice_) {
      new (&slice_) alloc::slice(std::move(other.slice_));
    } else {
      copy_inline(other);
    }
    other.reset();
  }
  frame& operator=(frame&& other) noexcept {
    if (this != &other) {
      reset();
      size_ = other.size_;
      is_slice_ = other.is_slice_;
      if (is_slice_) {
        new (&slice_) alloc::slice(std::move(other.slice_));
      } else {
        copy_inline(other);
      }
      other.reset();
    }
    return *this;
  }
  frame(const frame&) = delete;
  frame& operator=(const frame&) = delete;
  ~frame() { reset(); }

  /// A frame holding a copy of `bytes`: inline when they fit, else in a buffer of `pool` (the
  /// calling thread's pool when null). std::logic_error when a buffer is needed and no pool is
  /// given or bound; std::bad_alloc when the pool refuses.
  static frame copy_of(std::span<const std::byte> bytes, alloc::buffer_pool* pool = nullptr) {
    frame result;
    if (bytes.size() <= inline_capacity) {
      if (!bytes.empty()) std::memcpy(result.inline_, bytes.data(), bytes.size());
      result.size_ = static_cast<std::uint8_t>(bytes.size());
      return result;
    }
    if (pool == nullptr) pool = alloc::buffer_pool::local();
    if (pool == nullptr)
      throw std::logic_error("shardmq: frame::copy_of needs a buffer_pool for large bodies");
    alloc::slice body = pool->acquire(bytes.size());
    body.trim_back(body.size() - bytes.size());
    std::memcpy(body.data(), bytes.data(), bytes.size());
    return frame(std::move(body));
  }
  static frame copy_of(std::string_view text, alloc::buffer_pool* pool = nullptr) {
    return copy_of(std::as_bytes(std::span(text.data(), text.size())), pool);
  }

  const std::byte* data() const noexcept { return is_slice_ ? slice_.data() : inline_; }
  std::byte* data() noexcept { return is_slice_ ? slice_.data() : inline_; }
  std::size_t size() const noexcept { return is_slice_ ? slice_.size() : size_; }
  bool empty() const noexcept { return size() == 0; }
  std::span<const std::byte> bytes() const noexcept { return {data(), size()}; }
  std::string_view text() const noexcept { return {reinterpret_cast<const char*>(data()), size()}; }
  /// True when the body lives in a pooled buffer rather than inline.
  bool is_slice() const noexcept { return is_slice_; }

  /// Drops the first `n` bytes (at most size()): a command's name before its payload.
  void drop_front(std::size_t n) noexcept {
    if (n > size()) n = size();
    if (is_slice_) {
      slice_.trim_front(n);
    } else {
      std::memmove(inline_, inline_ + n, size_ - n);
      size_ = static_cast<std::uint8_t>(size_ - n);
    }
  }

  /// Moves the body's slice out (the frame is left empty); an empty slice for an inline body.
  alloc::slice take_slice() noexcept {
    if (!is_slice_) return {};
    alloc::slice body = std::move(slice_);
    reset();
    return body;
  }

  /// Takes `other`'s body over when this frame is empty (as after reset() or a move out):
  /// a plain copy of the frame's bytes, and `other` forgets its slice without releasing it. A
  /// slice is three pointers with no address of its own inside, so its bytes can move.
  void relocate_from(frame& other) noexcept {
    std::memcpy(static_cast<void*>(this), static_cast<const void*>(&other), sizeof(frame));
    other.size_ = 0;
    other.is_slice_ = false;
  }

  /// Empties the frame (releasing its slice, if any).
  void reset() noexcept {
    if (is_slice_) {
      slice_.~slice();
      is_slice_ = false;
    }
    size_ = 0;
  }

 private:
  // The whole inline area, whatever size_ says: a fixed 32-byte copy is two vector moves, where
  // a copy of size_ bytes was a call into memcpy for every frame moved.
  void copy_inline(const frame& other) noexcept { std::memcpy(inline_, other.inline_, inline_capacity); }

  union {
    std::byte inline_[inline_capacity];
    alloc::slice slice_;
  };
  std::uint8_t size_;  // inline bytes used; the slice keeps its own size
  bool is_slice_;
};

inline bool operator==(const frame& a, const frame& b) noexcept {
  return a.size() == b.size() && (a.size() == 0 || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace shardmq::net::zmq
