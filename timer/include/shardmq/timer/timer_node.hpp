#pragma once
// The intrusive part of a timer: what the wheel links into its slots. It lives inside the object
// that owns the timer, so arming never allocates; 32 bytes, half a cache line.

#include <cstdint>

namespace shardmq {

/// Why the wheel hands a node back to its owner.
enum class timer_event : std::uint8_t {
  expired,    ///< its deadline passed: advance() fired it
  cancelled,  ///< timer_wheel::cancel_all() disarmed it
  shutdown,   ///< timer_wheel::shutdown() (or the wheel's destructor) disarmed it
};

/// Two pointers of a circular doubly linked list; the wheel's slots are bare links (sentinels).
struct timer_link {
  timer_link* next = nullptr;  ///< null while the node is not armed
  timer_link* prev = nullptr;
};

/// A timer as the wheel sees it. Embed one in your object (or use shardmq::timer, which does),
/// set `on_event`, and arm it with timer_wheel::arm. The wheel calls `on_event` with the node
/// already disarmed, so the function may re-arm it, destroy the object, or arm other timers.
/// Not copyable or movable while armed: the wheel holds its address.
struct timer_node : timer_link {
  using event_function = void (*)(timer_node& node, timer_event event);

  timer_node() = default;
  explicit timer_node(event_function function) noexcept : on_event(function) {}
  timer_node(const timer_node&) = delete;
  timer_node& operator=(const timer_node&) = delete;

  bool armed() const noexcept { return next != nullptr; }

  /// The tick the deadline was rounded up to (valid while armed): the wheel's business.
  std::uint64_t due = 0;
  event_function on_event = nullptr;
};

}  // namespace shardmq
