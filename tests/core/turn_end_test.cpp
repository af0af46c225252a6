// Turn-end tasks: run once per scheduling after the turn's handlers, in rounds when they schedule
// each other, and never once destroyed.

#include "engine_fixture.hpp"

#include <asio/post.hpp>

#include <future>
#include <memory>
#include <string>
#include <utility>

namespace shardmq {
namespace {

using testing::get_within_deadline;
using testing::run_on;

/// Appends `name` to a log each time it runs; reschedules itself while `again` is above 0.
struct logging_task final : turn_end_task {
  logging_task(std::string& log, std::string name) : log(log), name(std::move(name)) {}
  void on_turn_end() override {
    log += name;
    if (ran != nullptr) std::exchange(ran, nullptr)->set_value();
    if (follower != nullptr) this_reactor().run_at_turn_end(*follower);
    if (again > 0) {
      --again;
      this_reactor().run_at_turn_end(*this);
    }
  }
  std::string& log;
  std::string name;
  turn_end_task* follower = nullptr;
  std::promise<void>* ran = nullptr;  // set at the first run
  int again = 0;
};

TEST(turn_end, runs_once_after_the_handlers_that_scheduled_it) {
  engine e(testing::test_config(1));
  e.start();
  std::string log;
  logging_task task(log, "T");
  std::promise<void> done;
  auto finished = done.get_future();
  task.ran = &done;
  run_on(e, 0, [&] {
    // Three handlers in one batch, each scheduling the task: it runs once, after all three.
    asio::post(this_reactor().get_executor(), [&] {
      log += "a";
      this_reactor().run_at_turn_end(task);
      asio::post(this_reactor().get_executor(), [&] {
        log += "b";
        this_reactor().run_at_turn_end(task);
      });
      asio::post(this_reactor().get_executor(), [&] {
        log += "c";
        this_reactor().run_at_turn_end(task);
        EXPECT_TRUE(task.scheduled());
      });
    });
  });
  get_within_deadline(finished);
  EXPECT_EQ(run_on(e, 0, [&] { return log; }), "abcT");
  EXPECT_FALSE(run_on(e, 0, [&] { return task.scheduled(); }));
  e.stop();
}

TEST(turn_end, tasks_scheduled_by_tasks_run_in_the_same_pass_and_a_rescheduling_one_is_bounded) {
  engine e(testing::test_config(1));
  e.start();
  std::string log;
  logging_task first(log, "1");
  logging_task second(log, "2");
  logging_task looping(log, "L");
  first.follower = &second;
  looping.again = 1000;  // would run for ever in one pass without the round limit
  std::promise<std::pair<std::string, int>> seen;
  auto result = seen.get_future();
  // From a submitted item, which runs after this turn's handlers: the pass follows in the same
  // turn, and the handler posted here runs in the next turn's handlers, after that pass.
  run_on(e, 0, [&] {
    this_reactor().run_at_turn_end(first);
    this_reactor().run_at_turn_end(looping);
    asio::post(this_reactor().get_executor(), [&] {
      seen.set_value({log, looping.again});
      looping.again = 0;
    });
  });
  const auto [after_first_pass, looping_left] = get_within_deadline(result);
  // Round 1: 1 and L; round 2: 2 (scheduled by 1) and L again; L in rounds 3 and 4, and the
  // rest waits for the next turn.
  EXPECT_EQ(after_first_pass, "1L2LLL");
  EXPECT_EQ(looping_left, 996);
  e.stop();
}

TEST(turn_end, a_task_destroyed_while_scheduled_never_runs) {
  engine e(testing::test_config(1));
  e.start();
  std::string log;
  logging_task kept(log, "K");
  auto dropped = std::make_unique<logging_task>(log, "D");
  std::promise<void> done;
  auto finished = done.get_future();
  kept.ran = &done;
  run_on(e, 0, [&] {
    this_reactor().run_at_turn_end(*dropped);
    this_reactor().run_at_turn_end(kept);
    dropped.reset();
  });
  get_within_deadline(finished);
  EXPECT_EQ(run_on(e, 0, [&] { return log; }), "K");
  e.stop();
}

}  // namespace
}  // namespace shardmq
