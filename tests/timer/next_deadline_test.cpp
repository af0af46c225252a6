// next_deadline() and advance() against a model (a plain map of deadlines) under random arms,
// re-arms, cancels and clock steps: exact without cancellations, never late with them, and a
// reactor sleeping until next_deadline() wakes early at most once per cancellation.

#include "wheel_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <vector>

namespace shardmq::testing {
namespace {

constexpr auto tick = default_timer_tick;

/// The wheel and its model, driven by one random stream.
class wheel_model {
 public:
  explicit wheel_model(std::uint64_t seed, std::size_t timers)
      : random_(seed), probes_(timers), pick_(0, timers - 1) {
    for (std::size_t i = 0; i < probes_.size(); ++i) {
      probes_[i].id = static_cast<int>(i);
      probes_[i].log = &log_;
    }
  }

  /// Arms (or, unless `unarmed_only`, re-arms) a random probe at a deadline on a random level,
  /// sometimes already past. False if `unarmed_only` and it found every probe armed.
  bool arm_random(bool unarmed_only = false) {
    std::size_t index = pick_(random_);
    for (std::size_t tries = 0; unarmed_only && probes_[index].armed(); ++tries) {
      if (tries == probes_.size()) return false;
      index = (index + 1) % probes_.size();
    }
    probe& p = probes_[index];
    if (p.armed()) ++rearms_;
    static constexpr std::int64_t spans_ns[] = {
        500'000,           6'400'000,           409'600'000,          26'000'000'000,
        1'700'000'000'000, 100'000'000'000'000, 8'000'000'000'000'000};
    const std::int64_t span = spans_ns[random_() % std::size(spans_ns)];
    const std::int64_t offset = std::uniform_int_distribution<std::int64_t>(-span / 8, span)(random_);
    p.arm(wheel_, std::max(at(0ns), now_ + std::chrono::nanoseconds(offset)));
    return true;
  }

  void cancel_random() {
    if (wheel_.cancel(probes_[pick_(random_)])) ++cancels_;
  }

  /// Advances to `now` and checks that exactly the timers the model says are due fired.
  void advance_to(time_point now) {
    const time_point reached = std::max(now, wheel_.now());  // the wheel's clock never goes back
    std::vector<int> due;
    for (const probe& p : probes_) {
      if (p.armed() && rounded_up(p.deadline, tick) <= reached) due.push_back(p.id);
    }
    log_.clear();
    const std::size_t fired = wheel_.advance(now);
    now_ = std::max(now_, now);
    std::vector<int> got;
    for (const firing& f : log_) got.push_back(f.id);
    ASSERT_EQ(fired, got.size());
    for (std::size_t i = 1; i < log_.size(); ++i) {
      ASSERT_LE(log_[i - 1].due, log_[i].due) << "out of order";
    }
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, due);
  }

  /// The earliest rounded-up deadline, clamped to the wheel's time (already due), or nothing.
  std::optional<time_point> model_next() const {
    std::optional<time_point> next;
    for (const probe& p : probes_) {
      if (!p.armed()) continue;
      const time_point due = std::max(rounded_up(p.deadline, tick), wheel_.now());
      if (!next || due < *next) next = due;
    }
    return next;
  }

  void step(std::int64_t max_ns) {
    advance_to(now_ +
               std::chrono::nanoseconds(std::uniform_int_distribution<std::int64_t>(0, max_ns)(random_)));
  }

  std::mt19937_64& random() { return random_; }
  timer_wheel& wheel() { return wheel_; }
  time_point now() const { return now_; }
  std::uint64_t cancels_and_rearms() const { return cancels_ + rearms_; }

 private:
  std::mt19937_64 random_;
  timer_wheel wheel_{synthetic()};
  std::vector<firing> log_;
  std::vector<probe> probes_;  // after the wheel: destroyed (and cancelled) first
  std::uniform_int_distribution<std::size_t> pick_;
  time_point now_ = at(0ns);
  std::uint64_t cancels_ = 0;
  std::uint64_t rearms_ = 0;
};

TEST(next_deadline, is_exact_while_nothing_is_cancelled_or_rearmed) {
  wheel_model model(1, 2000);
  for (int round = 0; round < 3000; ++round) {
    const auto roll = model.random()() % 10;
    if (roll < 5) {
      // Arm only unarmed probes here: a re-arm may leave a stale (early) bound behind.
      model.arm_random(true);
    } else {
      model.step(roll < 9 ? 3'000'000 : 60'000'000'000);
    }
    ASSERT_EQ(model.wheel().next_deadline(), model.model_next()) << "round " << round;
  }
  EXPECT_EQ(model.cancels_and_rearms(), 0u);
}

TEST(next_deadline, is_never_later_than_the_earliest_deadline_and_never_behind_the_wheel) {
  wheel_model model(2, 500);
  for (int round = 0; round < 20000; ++round) {
    const auto roll = model.random()() % 10;
    if (roll < 4) {
      model.arm_random();
    } else if (roll < 6) {
      model.cancel_random();
    } else {
      model.step(roll < 9 ? 3'000'000 : 60'000'000'000);
    }
    const std::optional<time_point> next = model.wheel().next_deadline();
    const std::optional<time_point> expected = model.model_next();
    ASSERT_EQ(next.has_value(), expected.has_value()) << "round " << round;
    if (!next) continue;
    ASSERT_LE(*next, *expected) << "round " << round << ": the reactor would oversleep";
    ASSERT_GE(*next, model.wheel().now()) << "round " << round;
    if (*expected == model.wheel().now()) {
      ASSERT_EQ(*next, *expected) << "something is due now";
    }
  }
}

TEST(next_deadline, a_reactor_sleeping_until_it_wakes_early_at_most_once_per_cancellation) {
  wheel_model model(3, 3000);
  for (int i = 0; i < 3000; ++i) model.arm_random();
  for (int i = 0; i < 500; ++i) model.cancel_random();
  const std::uint64_t stale_bounds = model.cancels_and_rearms();
  std::uint64_t early_wake_ups = 0;
  std::uint64_t wake_ups = 0;
  while (auto next = model.wheel().next_deadline()) {
    ++wake_ups;
    const std::uint64_t fired_before = model.wheel().stats().fired;
    model.advance_to(*next);
    if (model.wheel().stats().fired == fired_before) ++early_wake_ups;
  }
  EXPECT_GT(wake_ups, 100u);
  EXPECT_LE(early_wake_ups, stale_bounds);
}

}  // namespace
}  // namespace shardmq::testing
