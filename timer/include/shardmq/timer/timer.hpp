#pragma once
// The timer an object owns: one cache line holding the wheel's node, the wheel and the callback,
// so a connection can keep its heartbeat, back-off and idle time-out timers inline.

#include <shardmq/timer/timer_node.hpp>
#include <shardmq/timer/timer_wheel.hpp>

#include <cstddef>
#include <new>
#include <type_traits>

namespace shardmq {

/// A timer bound to one wheel, with a small callback stored inline: constructing, arming,
/// cancelling and firing it allocate nothing. The callback is `void()` or `void(timer&)`, runs on
/// the wheel's thread inside timer_wheel::advance(), and may re-arm, cancel or destroy this timer
/// and any other. Neither copyable nor movable (the wheel links it by address); destroying it
/// cancels it. cancel_all() and shutdown() of the wheel disarm it without calling the callback.
class timer : private timer_node {
 public:
  using clock = timer_wheel::clock;
  using time_point = timer_wheel::time_point;
  using duration = timer_wheel::duration;

  /// Room for a function pointer or a lambda capturing up to three pointers (e.g. `this`).
  static constexpr std::size_t callback_capacity = 3 * sizeof(void*);

  template <class Callback>
  timer(timer_wheel& wheel, Callback callback) noexcept
      : timer_node(&on_wheel_event<Callback>), wheel_(&wheel) {
    static_assert(std::is_invocable_v<Callback&> || std::is_invocable_v<Callback&, timer&>,
                  "shardmq::timer: the callback must be callable as void() or void(timer&)");
    static_assert(sizeof(Callback) <= callback_capacity && alignof(Callback) <= alignof(void*),
                  "shardmq::timer: the callback is stored inline and must fit in 3 pointers: capture a "
                  "pointer to your object rather than the data");
    static_assert(std::is_trivially_copyable_v<Callback> && std::is_trivially_destructible_v<Callback>,
                  "shardmq::timer: the callback must be trivially copyable (capture pointers and plain "
                  "values, not strings, containers or shared_ptr)");
    ::new (static_cast<void*>(storage_)) Callback(callback);
  }
  ~timer() { cancel(); }
  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;

  /// Fires at the first advance() at or after `deadline` rounded up to the wheel's tick;
  /// re-arms if armed.
  void arm_at(time_point deadline) noexcept { wheel_->arm(*this, deadline); }
  /// arm_at(clock::now() + delay), saturating.
  void arm_in(duration delay) noexcept { wheel_->arm(*this, timer_wheel::deadline_after(delay)); }
  /// True if it was armed. Safe after the wheel shut down (the timer is then disarmed).
  bool cancel() noexcept { return armed() && wheel_->cancel(*this); }
  bool armed() const noexcept { return timer_node::armed(); }
  timer_wheel& wheel() const noexcept { return *wheel_; }

 private:
  template <class Callback>
  static void on_wheel_event(timer_node& node, timer_event event) {
    if (event != timer_event::expired) return;
    timer& self = static_cast<timer&>(node);
    // A copy, so that the callback may destroy the timer it lives in.
    Callback callback = *std::launder(reinterpret_cast<Callback*>(self.storage_));
    if constexpr (std::is_invocable_v<Callback&, timer&>) {
      callback(self);
    } else {
      callback();
    }
  }

  timer_wheel* wheel_;
  alignas(void*) std::byte storage_[callback_capacity];
};

static_assert(sizeof(timer) <= 64, "a timer is meant to fit one cache line");

}  // namespace shardmq
