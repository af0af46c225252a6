// Cancel and re-arm, from outside and from callbacks during advance(); what happens to a timer
// armed during advance() with a deadline already due; stats; cancel_all and shutdown.

#include "wheel_fixture.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

namespace shardmq::testing {
namespace {

/// A node whose callback is a std::function, for scripting what a callback does.
struct scripted : timer_node {
  scripted() : timer_node(&on_wheel_event) {}
  ~scripted() {
    if (armed() && wheel) wheel->cancel(*this);
  }
  static void on_wheel_event(timer_node& node, timer_event event) {
    scripted& self = static_cast<scripted&>(node);
    if (event == timer_event::expired) {
      ++self.fired;
      if (self.on_fire) self.on_fire();
    }
  }
  timer_wheel* wheel = nullptr;
  int fired = 0;
  std::function<void()> on_fire;
};

TEST(timer_wheel_cancel, a_cancelled_timer_never_fires_and_leaves_the_wheel_empty) {
  timer_wheel wheel(synthetic());
  probe p;
  p.arm(wheel, at(2s));  // level 2 at first
  EXPECT_TRUE(wheel.cancel(p));
  EXPECT_FALSE(p.armed());
  EXPECT_FALSE(wheel.cancel(p)) << "a second cancel is a no-op";
  EXPECT_TRUE(wheel.empty());
  EXPECT_FALSE(wheel.next_deadline());
  EXPECT_EQ(wheel.advance(at(10s)), 0u);
  EXPECT_EQ(p.fired, 0);
}

TEST(timer_wheel_cancel, cancelling_after_the_timer_was_cascaded_down_still_works) {
  timer_wheel wheel(synthetic());
  probe p, other;
  p.arm(wheel, at(2s));
  other.arm(wheel, at(2s + 50ms));
  // Reach the level-1 slot holding 2 s: the timer has moved from level 2 to a lower level.
  EXPECT_EQ(wheel.advance(at(1999ms)), 0u);
  EXPECT_GE(wheel.stats().cascaded_timers, 1u);
  EXPECT_EQ(wheel.next_deadline(), at(2s));
  EXPECT_TRUE(wheel.cancel(p));
  // The slot it left is empty again: the next deadline is the other timer's.
  EXPECT_EQ(wheel.next_deadline(), at(2s + 50ms));
  EXPECT_EQ(wheel.advance(at(2s + 49ms)), 0u);
  EXPECT_EQ(wheel.advance(at(3s)), 1u);
  EXPECT_EQ(p.fired, 0);
  EXPECT_EQ(other.fired, 1);
  EXPECT_FALSE(wheel.next_deadline());
}

TEST(timer_wheel_cancel, rearming_moves_the_timer_in_either_direction) {
  timer_wheel wheel(synthetic());
  probe p;
  p.arm(wheel, at(1h));
  p.arm(wheel, at(3ms));
  EXPECT_EQ(wheel.size(), 1u);
  EXPECT_EQ(wheel.next_deadline(), at(3ms));
  p.arm(wheel, at(10s));
  EXPECT_EQ(wheel.advance(at(5s)), 0u);
  EXPECT_EQ(wheel.advance(at(10s)), 1u);
  EXPECT_EQ(p.fired, 1);
  EXPECT_EQ(wheel.stats().rearmed, 2u);
}

TEST(timer_wheel_cancel, a_callback_rearming_itself_fires_each_period_within_one_big_advance) {
  timer_wheel wheel(synthetic());
  scripted periodic;
  periodic.wheel = &wheel;
  std::vector<time_point> fired_at;
  time_point deadline = at(10ms);
  periodic.on_fire = [&] {
    fired_at.push_back(wheel.now());
    deadline += 10ms;
    wheel.arm(periodic, deadline);
  };
  wheel.arm(periodic, deadline);
  EXPECT_EQ(wheel.advance(at(1s)), 100u);
  ASSERT_EQ(fired_at.size(), 100u);
  for (std::size_t i = 0; i < fired_at.size(); ++i) EXPECT_EQ(fired_at[i], at(10ms * (i + 1)));
  EXPECT_TRUE(periodic.armed());
  EXPECT_EQ(wheel.next_deadline(), at(1010ms));
}

TEST(timer_wheel_cancel, a_timer_armed_already_due_during_advance_fires_at_the_next_advance) {
  timer_wheel wheel(synthetic());
  scripted first, again;
  first.wheel = again.wheel = &wheel;
  probe past, ahead;
  first.on_fire = [&] {
    past.arm(wheel, at(3ms));   // already reached: next advance
    ahead.arm(wheel, at(8ms));  // after the tick being processed, due by `now`: this advance
    wheel.arm(again, at(5ms));  // the same tick: next advance
  };
  wheel.arm(first, at(5ms));
  EXPECT_EQ(wheel.advance(at(10ms)), 2u);  // first, ahead
  EXPECT_EQ(ahead.fired, 1);
  EXPECT_EQ(past.fired, 0);
  EXPECT_EQ(again.fired, 0);
  EXPECT_EQ(wheel.next_deadline(), at(10ms)) << "already due: the reactor must not sleep";
  EXPECT_EQ(wheel.advance(at(10ms)), 2u);
  EXPECT_EQ(past.fired, 1);
  EXPECT_EQ(again.fired, 1);
}

TEST(timer_wheel_cancel, a_callback_rearming_itself_already_due_fires_once_per_advance) {
  timer_wheel wheel(synthetic());
  scripted busy;
  busy.wheel = &wheel;
  busy.on_fire = [&] { wheel.arm(busy, at(0ns)); };
  wheel.arm(busy, at(1ms));
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(wheel.advance(at(2ms)), 1u) << "advance() must return although the timer is always due";
    EXPECT_EQ(busy.fired, i);
  }
}

TEST(timer_wheel_cancel, a_callback_cancelling_another_due_timer_keeps_it_from_firing) {
  timer_wheel wheel(synthetic());
  scripted a, b;
  a.wheel = b.wheel = &wheel;
  probe later;
  // Due in the same tick: whichever fires first cancels the other.
  a.on_fire = [&] {
    wheel.cancel(b);
    wheel.cancel(later);  // due later in the same advance
  };
  b.on_fire = [&] {
    wheel.cancel(a);
    wheel.cancel(later);
  };
  wheel.arm(a, at(5ms));
  wheel.arm(b, at(5ms));
  later.arm(wheel, at(7ms));
  EXPECT_EQ(wheel.advance(at(10ms)), 1u);
  EXPECT_EQ(a.fired + b.fired, 1);
  EXPECT_EQ(later.fired, 0);
  EXPECT_TRUE(wheel.empty());
  EXPECT_EQ(wheel.stats().cancelled, 2u);
}

TEST(timer_wheel_cancel, a_callback_may_rearm_another_due_timer_to_later) {
  timer_wheel wheel(synthetic());
  scripted a, b;
  a.wheel = b.wheel = &wheel;
  // Due in the same tick: whichever fires first moves the other 15 ms on.
  a.on_fire = [&] { wheel.arm(b, at(20ms)); };
  b.on_fire = [&] { wheel.arm(a, at(20ms)); };
  wheel.arm(a, at(5ms));
  wheel.arm(b, at(5ms));
  EXPECT_EQ(wheel.advance(at(10ms)), 1u);
  EXPECT_EQ(a.fired + b.fired, 1);
  EXPECT_EQ(wheel.next_deadline(), at(20ms));
  EXPECT_EQ(wheel.advance(at(20ms)), 1u);
  EXPECT_EQ(a.fired, 1);
  EXPECT_EQ(b.fired, 1);
}

/// A heap-allocated node that deletes itself when it fires.
struct self_deleting : timer_node {
  explicit self_deleting(bool* flag) : timer_node(&on_wheel_event), deleted(flag) {}
  static void on_wheel_event(timer_node& node, timer_event) {
    bool* flag = static_cast<self_deleting&>(node).deleted;
    delete &static_cast<self_deleting&>(node);
    *flag = true;
  }
  bool* deleted;
};

TEST(timer_wheel_cancel, a_callback_may_destroy_its_own_timer) {
  timer_wheel wheel(synthetic());
  bool deleted = false;
  probe after;  // the wheel goes on after the node is gone
  wheel.arm(*new self_deleting(&deleted), at(1ms));
  after.arm(wheel, at(1ms));
  EXPECT_EQ(wheel.advance(at(1ms)), 2u);
  EXPECT_TRUE(deleted);
  EXPECT_EQ(after.fired, 1);
}

TEST(timer_wheel_cancel, an_exception_from_a_callback_leaves_the_rest_for_the_next_advance) {
  timer_wheel wheel(synthetic());
  scripted thrower;
  thrower.wheel = &wheel;
  thrower.on_fire = [] { throw std::runtime_error("callback failed"); };
  std::vector<probe> same_tick(3);
  probe later;
  wheel.arm(thrower, at(1ms));
  for (probe& p : same_tick) p.arm(wheel, at(1ms));
  later.arm(wheel, at(2ms));
  EXPECT_THROW(wheel.advance(at(5ms)), std::runtime_error);
  // Timers of the same tick fire in no particular order: some may have fired before the throw.
  int fired_before = 0;
  for (const probe& p : same_tick) fired_before += p.fired;
  EXPECT_EQ(wheel.size(), 4u - static_cast<std::size_t>(fired_before));
  if (fired_before < 3) {
    EXPECT_EQ(wheel.next_deadline(), at(1ms)) << "the rest of the tick is due";
  }
  EXPECT_EQ(wheel.advance(at(5ms)), 4u - static_cast<std::size_t>(fired_before));
  for (const probe& p : same_tick) EXPECT_EQ(p.fired, 1);
  EXPECT_EQ(later.fired, 1);
  EXPECT_EQ(thrower.fired, 1);
}

TEST(timer_wheel_cancel, stats_count_every_transition_and_add_up_to_size) {
  timer_wheel wheel(synthetic());
  std::vector<probe> probes(10);
  for (std::size_t i = 0; i < probes.size(); ++i) probes[i].arm(wheel, at(std::chrono::seconds(i + 1)));
  probes[0].arm(wheel, at(20s));  // re-arm
  wheel.cancel(probes[1]);
  wheel.cancel(probes[1]);  // not armed: not counted
  wheel.advance(at(5s));    // 3, 4, 5 (s)
  const timer_wheel_stats& s = wheel.stats();
  EXPECT_EQ(s.armed, 11u);
  EXPECT_EQ(s.rearmed, 1u);
  EXPECT_EQ(s.cancelled, 1u);
  EXPECT_EQ(s.fired, 3u);
  EXPECT_EQ(wheel.size(), s.armed - s.rearmed - s.fired - s.cancelled);
  EXPECT_EQ(wheel.size(), 6u);
}

TEST(timer_wheel_cancel, cancel_all_hands_every_timer_back_and_keeps_the_wheel_usable) {
  timer_wheel wheel(synthetic());
  std::vector<probe> probes(5);
  probes[0].arm(wheel, at(1ms));
  probes[1].arm(wheel, at(1h));
  probes[2].arm(wheel, at(200 * 24h));
  wheel.advance(at(500us));
  probes[3].arm(wheel, at(0ns));  // already due
  EXPECT_EQ(wheel.cancel_all(), 4u);
  EXPECT_TRUE(wheel.empty());
  EXPECT_FALSE(wheel.next_deadline());
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(probes[i].disarmed, 1) << i;
    EXPECT_FALSE(probes[i].armed()) << i;
  }
  probes[4].arm(wheel, at(2ms));
  EXPECT_EQ(wheel.advance(at(1h)), 1u);
  EXPECT_EQ(probes[4].fired, 1);
}

TEST(timer_wheel_cancel, destroying_the_wheel_disarms_what_is_left) {
  probe p;  // outlives the wheel
  {
    timer_wheel wheel(synthetic());
    p.arm(wheel, at(1s));
  }
  EXPECT_FALSE(p.armed());
  EXPECT_EQ(p.disarmed, 1);
}

TEST(timer_wheel_cancel, local_is_the_wheel_bound_to_this_thread_until_it_goes) {
  EXPECT_EQ(timer_wheel::local(), nullptr);
  {
    timer_wheel wheel(synthetic());
    wheel.bind_to_this_thread();
    EXPECT_EQ(timer_wheel::local(), &wheel);
  }
  EXPECT_EQ(timer_wheel::local(), nullptr) << "a destroyed wheel must not stay bound";
}

}  // namespace
}  // namespace shardmq::testing
