// shardmq::timer, the object-owned timer: callback forms, arm/cancel/armed, destruction, and the
// promised sizes (a 32-byte node, one cache line per timer).

#include "wheel_fixture.hpp"

#include <gtest/gtest.h>
#include <shardmq/timer/timer.hpp>

#include <memory>

namespace shardmq::testing {
namespace {

static_assert(sizeof(timer_node) == 32, "the node is four words");
static_assert(sizeof(timer) <= 64, "a timer fits one cache line");

/// What an object owning a timer looks like: the timer is a member, its callback a member call.
class heartbeat_sender {
 public:
  explicit heartbeat_sender(timer_wheel& wheel) : timer_(wheel, [this] { on_timer(); }) {}
  void start(time_point first) {
    next_ = first;
    timer_.arm_at(next_);
  }
  int sent() const { return sent_; }
  timer& heartbeat() { return timer_; }

 private:
  void on_timer() {
    ++sent_;
    next_ += 1s;
    timer_.arm_at(next_);
  }
  timer timer_;
  time_point next_{};
  int sent_ = 0;
};

TEST(timer, a_member_timer_with_a_this_capturing_callback_repeats) {
  timer_wheel wheel(synthetic());
  heartbeat_sender sender(wheel);
  sender.start(at(1s));
  EXPECT_TRUE(sender.heartbeat().armed());
  EXPECT_EQ(wheel.advance(at(10s)), 10u);
  EXPECT_EQ(sender.sent(), 10);
  EXPECT_EQ(wheel.next_deadline(), at(11s));
}

TEST(timer, a_callback_taking_the_timer_can_rearm_it) {
  timer_wheel wheel(synthetic());
  int fired = 0;
  timer t(wheel, [&fired](timer& self) {
    if (++fired < 3) self.arm_at(self.wheel().now() + 5ms);
  });
  t.arm_at(at(5ms));
  EXPECT_EQ(wheel.advance(at(1s)), 3u);
  EXPECT_EQ(fired, 3);
  EXPECT_FALSE(t.armed());
}

void count_call(int* counter) { ++*counter; }

TEST(timer, a_plain_function_pointer_works_too) {
  timer_wheel wheel(synthetic());
  static int calls = 0;
  timer t(
      wheel, +[] { ++calls; });
  int other = 0;
  timer bound(wheel, [&other] { count_call(&other); });
  t.arm_at(at(1ms));
  bound.arm_at(at(2ms));
  EXPECT_EQ(wheel.advance(at(2ms)), 2u);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(other, 1);
}

TEST(timer, cancel_reports_whether_it_was_armed) {
  timer_wheel wheel(synthetic());
  int fired = 0;
  timer t(wheel, [&fired] { ++fired; });
  EXPECT_FALSE(t.cancel());
  t.arm_at(at(1ms));
  EXPECT_TRUE(t.armed());
  EXPECT_TRUE(t.cancel());
  EXPECT_FALSE(t.armed());
  EXPECT_EQ(wheel.advance(at(1s)), 0u);
  EXPECT_EQ(fired, 0);
}

TEST(timer, arm_in_is_relative_to_the_steady_clock) {
  timer_wheel wheel;  // real clock
  int fired = 0;
  timer t(wheel, [&fired] { ++fired; });
  const time_point before = timer_wheel::clock::now();
  t.arm_in(50ms);
  EXPECT_EQ(wheel.advance(before + 49ms), 0u);
  EXPECT_EQ(wheel.advance(timer_wheel::clock::now() + 51ms), 1u);
  t.arm_in(timer_wheel::duration::max());  // saturates: never
  EXPECT_EQ(wheel.next_deadline(), time_point::max());
  t.arm_in(-5s);  // in the past: the next advance
  EXPECT_EQ(wheel.advance(timer_wheel::clock::now()), 1u);
  EXPECT_EQ(fired, 2);
}

TEST(timer, destroying_an_armed_timer_cancels_it) {
  timer_wheel wheel(synthetic());
  int fired = 0;
  {
    timer t(wheel, [&fired] { ++fired; });
    t.arm_at(at(1ms));
    EXPECT_EQ(wheel.size(), 1u);
  }
  EXPECT_TRUE(wheel.empty());
  EXPECT_EQ(wheel.advance(at(1s)), 0u);
  EXPECT_EQ(fired, 0);
}

TEST(timer, a_callback_may_destroy_the_object_owning_the_timer) {
  timer_wheel wheel(synthetic());
  struct owner {
    explicit owner(timer_wheel& wheel, std::unique_ptr<owner>& self) : t(wheel, [&self] { self.reset(); }) {}
    timer t;
  };
  std::unique_ptr<owner> object;
  object = std::make_unique<owner>(wheel, object);
  object->t.arm_at(at(1ms));
  EXPECT_EQ(wheel.advance(at(1ms)), 1u);
  EXPECT_EQ(object, nullptr);
}

TEST(timer, cancel_all_and_shutdown_disarm_without_calling_back) {
  int fired = 0;
  auto wheel = std::make_unique<timer_wheel>(synthetic());
  timer a(*wheel, [&fired] { ++fired; });
  timer b(*wheel, [&fired] { ++fired; });
  a.arm_at(at(1ms));
  b.arm_at(at(2ms));
  EXPECT_EQ(wheel->cancel_all(), 2u);
  EXPECT_FALSE(a.armed());
  a.arm_at(at(1ms));
  EXPECT_EQ(wheel->shutdown(), 1u);
  EXPECT_FALSE(a.armed());
  b.arm_at(at(3ms));
  wheel.reset();  // the destructor shuts down too
  EXPECT_FALSE(b.armed());
  EXPECT_FALSE(b.cancel()) << "safe after the wheel is gone";
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace shardmq::testing
