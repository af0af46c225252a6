#pragma once
// A whole multipart ZeroMQ message: delivered and sent atomically, every frame but the last
// carrying MORE on the wire. Up to three frames are held inside the message (a ROUTER id +
// delimiter + body, or a REQ delimiter + body) so the common case never allocates; more frames
// move into a heap vector.

#include <shardmq/net/zmq/frame.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace shardmq::net::zmq {

/// An ordered, move-only list of frames. Moving a message (to another core, through a pipe)
/// moves the frames' slices: no payload is copied.
class message {
 public:
  /// Frames held without allocating.
  static constexpr std::size_t inline_frames = 3;

  message() noexcept = default;
  // Moves touch only the frames in use (most messages carry one of three), and the vector only
  // when it holds the frames: a message crosses several rings on its way to a peer, and moving
  // all three frames and the vector each time was a third of an inproc sender's instructions.
  message(message&& other) noexcept : count_(other.count_), is_spilled_(other.is_spilled_) {
    if (is_spilled_) {
      spilled_.swap(other.spilled_);
    } else {
      for (std::size_t i = 0; i < count_; ++i) inline_[i].relocate_from(other.inline_[i]);
    }
    other.count_ = 0;
    other.is_spilled_ = false;
  }
  message& operator=(message&& other) noexcept {
    if (this != &other) {
      clear();
      if (other.is_spilled_) {
        spilled_.swap(other.spilled_);  // each side keeps a vector's capacity for reuse
        other.spilled_.clear();
        is_spilled_ = true;
        other.is_spilled_ = false;
      } else {
        for (std::size_t i = 0; i < other.count_; ++i) inline_[i].relocate_from(other.inline_[i]);
        count_ = std::exchange(other.count_, 0);
      }
    }
    return *this;
  }
  message(const message&) = delete;
  message& operator=(const message&) = delete;

  /// Appends a frame; allocates only when the fourth frame arrives (the vector grows from 8).
  void push_back(frame part) {
    if (!is_spilled_ && count_ < inline_frames) {
      inline_[count_++] = std::move(part);
      return;
    }
    if (!is_spilled_) spill();
    spilled_.push_back(std::move(part));
  }

  /// Puts a frame first (a ROUTER's routing id, a REQ's delimiter); allocates only as push_back.
  void push_front(frame part) {
    if (!is_spilled_ && count_ < inline_frames) {
      for (std::size_t i = count_; i > 0; --i) inline_[i] = std::move(inline_[i - 1]);
      inline_[0] = std::move(part);
      ++count_;
      return;
    }
    if (!is_spilled_) spill();
    spilled_.insert(spilled_.begin(), std::move(part));
  }
  /// Removes and returns the first frame (the message must not be empty).
  frame pop_front() noexcept {
    std::span<frame> all = frames();
    frame first = std::move(all[0]);
    for (std::size_t i = 1; i < all.size(); ++i) all[i - 1] = std::move(all[i]);
    if (is_spilled_) {
      spilled_.pop_back();
    } else {
      --count_;
    }
    return first;
  }

  std::size_t size() const noexcept { return is_spilled_ ? spilled_.size() : count_; }
  bool empty() const noexcept { return size() == 0; }
  std::span<frame> frames() noexcept {
    return is_spilled_ ? std::span<frame>(spilled_) : std::span<frame>(inline_.data(), count_);
  }
  std::span<const frame> frames() const noexcept {
    return is_spilled_ ? std::span<const frame>(spilled_) : std::span<const frame>(inline_.data(), count_);
  }
  frame& operator[](std::size_t i) noexcept { return frames()[i]; }
  const frame& operator[](std::size_t i) const noexcept { return frames()[i]; }
  /// Whether frame `i` goes on the wire with the MORE flag.
  bool more_after(std::size_t i) const noexcept { return i + 1 < size(); }
  /// Sum of the frame sizes.
  std::size_t payload_bytes() const noexcept {
    std::size_t total = 0;
    for (const frame& part : frames()) total += part.size();
    return total;
  }

  /// Drops every frame; keeps the vector's capacity for reuse.
  void clear() noexcept {
    for (std::size_t i = 0; i < count_; ++i) inline_[i].reset();
    count_ = 0;
    spilled_.clear();
    is_spilled_ = false;
  }

 private:
  void spill() {
    spilled_.reserve(8);
    for (std::size_t i = 0; i < count_; ++i) spilled_.push_back(std::move(inline_[i]));
    count_ = 0;
    is_spilled_ = true;
  }

  // Frames past count_ (all of them once spilled) are empty: moves and clear() rely on it.
  std::array<frame, inline_frames> inline_{};
  std::vector<frame> spilled_;  // holds every frame once a message outgrows inline_
  std::uint8_t count_ = 0;      // frames used in inline_
  bool is_spilled_ = false;
};

}  // namespace shardmq::net::zmq
