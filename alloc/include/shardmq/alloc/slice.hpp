#pragma once
// A reference-counted view of part of a buffer_pool buffer. A received 64 KiB buffer is cut into
// slices, one per frame, and each becomes a message without a copy; the buffer goes back to its
// pool when the last slice is gone, whichever core drops it.

#include <shardmq/alloc/detail/buffer_header.hpp>

#include <cstddef>
#include <span>
#include <stdexcept>
#include <utility>

namespace shardmq::alloc {

/// A move-only handle on `size()` bytes of a pooled buffer, holding one reference to it.
/// share() and split_front() make more handles on the same bytes; the buffer returns to its pool
/// when every handle is released or destroyed. Handles may move to, be shared on and be released
/// on any core: the owner core counts directly, others go through its remote list. The buffer
/// pool must outlive its slices.
class slice {
 public:
  slice() noexcept = default;
  slice(slice&& other) noexcept
      : header_(std::exchange(other.header_, nullptr)),
        data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)) {}
  slice& operator=(slice&& other) noexcept {
    if (this != &other) {
      release();
      header_ = std::exchange(other.header_, nullptr);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  slice(const slice&) = delete;
  slice& operator=(const slice&) = delete;
  ~slice() {
    if (header_ != nullptr) drop(*header_);
  }

  std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::span<std::byte> bytes() const noexcept { return {data_, size_}; }
  /// True while the slice holds a buffer (an empty view of a buffer still holds it).
  explicit operator bool() const noexcept { return header_ != nullptr; }
  /// Bytes of the whole underlying buffer.
  std::size_t buffer_capacity() const noexcept { return header_ ? header_->capacity : 0; }

  /// Another handle on the same bytes.
  slice share() const noexcept { return share_unchecked(0, size_); }
  /// Another handle on [offset, offset + length) of these bytes; std::out_of_range past the end.
  slice share(std::size_t offset, std::size_t length) const {
    if (offset > size_ || length > size_ - offset)
      throw std::out_of_range("shardmq: slice::share past the end");
    return share_unchecked(offset, length);
  }
  /// Cuts off the first `n` bytes into a new slice; this one keeps the rest. std::out_of_range if
  /// `n > size()`.
  slice split_front(std::size_t n) {
    slice front = share(0, n);
    data_ += n;
    size_ -= n;
    return front;
  }
  /// Drops `n` bytes from the front or the back of the view (the buffer stays held).
  void trim_front(std::size_t n) {
    if (n > size_) throw std::out_of_range("shardmq: slice::trim_front past the end");
    data_ += n;
    size_ -= n;
  }
  void trim_back(std::size_t n) {
    if (n > size_) throw std::out_of_range("shardmq: slice::trim_back past the end");
    size_ -= n;
  }

  /// Gives up this handle's reference now; the slice becomes empty.
  void release() noexcept {
    detail::buffer_header* header = std::exchange(header_, nullptr);
    data_ = nullptr;
    size_ = 0;
    if (header != nullptr) drop(*header);
  }

 private:
  friend class buffer_pool;
  slice(detail::buffer_header* header, std::byte* data, std::size_t size) noexcept
      : header_(header), data_(data), size_(size) {}

  static void drop(detail::buffer_header& header) noexcept {
    if (header.owned_here()) {
      if (--header.refs == 0) detail::release_last_local(header);
    } else {
      detail::release_foreign(header);
    }
  }

  slice share_unchecked(std::size_t offset, std::size_t length) const noexcept {
    if (header_ == nullptr) return {};
    if (header_->owned_here()) {
      ++header_->refs;
    } else {
      detail::share_foreign(*header_);
    }
    return slice(header_, data_ + offset, length);
  }

  detail::buffer_header* header_ = nullptr;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace shardmq::alloc
