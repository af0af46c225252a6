#pragma once
// Scaffolding for the timer tests: a synthetic clock (time points counted from the clock's epoch,
// so tests never wait) and a probe node that records when and in which order it fired.

#include <shardmq/timer/timer_node.hpp>
#include <shardmq/timer/timer_wheel.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace shardmq::testing {

using namespace std::chrono_literals;
using time_point = timer_wheel::time_point;

/// The synthetic clock: `at(5ms)` is 5 ms after the epoch, where the test wheels start.
inline time_point at(std::chrono::nanoseconds since_epoch) {
  return time_point(std::chrono::duration_cast<timer_wheel::duration>(since_epoch));
}

/// A wheel on the synthetic clock, starting at its epoch, with the default tick.
inline timer_wheel_options synthetic(std::chrono::nanoseconds tick = default_timer_tick) {
  return timer_wheel_options{.tick = tick, .start = at(0ns)};
}

/// `deadline` rounded up to the wheel's tick: the earliest `now` at which it may fire.
inline time_point rounded_up(time_point deadline, std::chrono::nanoseconds tick) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch());
  if (ns > std::chrono::nanoseconds::max() - tick) return time_point::max();  // as the wheel: never
  return at((ns + tick - 1ns) / tick * tick);
}

/// What a probe saw when it fired.
struct firing {
  int id;
  time_point deadline;
  /// The deadline rounded up to a tick, or the wheel's time at arming if that was later: a
  /// deadline the wheel had already passed counts as due then.
  time_point due;
};

/// A node that appends to a shared log when it fires, and counts the other events.
struct probe : timer_node {
  probe() : timer_node(&on_wheel_event) {}
  // Tests may end with probes still armed: take them out before the wheel walks its lists.
  ~probe() {
    if (armed()) wheel->cancel(*this);
  }

  static void on_wheel_event(timer_node& node, timer_event event) {
    probe& self = static_cast<probe&>(node);
    if (event == timer_event::expired) {
      ++self.fired;
      if (self.log) self.log->push_back({self.id, self.deadline, self.due_at});
    } else {
      ++self.disarmed;
    }
  }

  void arm(timer_wheel& on, time_point when) {
    wheel = &on;
    deadline = when;
    due_at = std::max(rounded_up(when, on.tick()), on.now());
    on.arm(*this, when);
  }

  timer_wheel* wheel = nullptr;
  int id = 0;
  time_point deadline{};
  time_point due_at{};
  int fired = 0;
  int disarmed = 0;
  std::vector<firing>* log = nullptr;
};

}  // namespace shardmq::testing
