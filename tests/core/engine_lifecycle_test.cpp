// Start, stop, restart and shutdown with work in flight: nothing is silently lost.

#include "engine_fixture.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <csignal>
#include <thread>

namespace shardmq {
namespace {

using testing::get_within_deadline;
using testing::run_on;

/// Every submission's handler must run exactly once: with a result or with operation_aborted.
struct tally {
  std::atomic<std::uint64_t> submitted{0}, succeeded{0}, aborted{0}, other_errors{0};
  void record(std::exception_ptr error) {
    if (!error) {
      succeeded.fetch_add(1);
      return;
    }
    try {
      std::rethrow_exception(error);
    } catch (const asio::system_error& e) {
      (e.code() == asio::error::operation_aborted ? aborted : other_errors).fetch_add(1);
    } catch (...) {
      other_errors.fetch_add(1);
    }
  }
  std::uint64_t handled() const { return succeeded + aborted + other_errors; }
};

class engine_lifecycle_test : public ::testing::TestWithParam<unsigned> {};

TEST_P(engine_lifecycle_test, shutdown_with_work_in_flight_runs_or_aborts_everything) {
  SHARDMQ_REQUIRE_CORES(GetParam());
  const unsigned cores = GetParam();
  engine e(testing::test_config(cores));
  tally t;
  e.start();
  // Self-perpetuating chains on every core, 64 in flight each, plus two outside producers.
  std::function<void()> chain = [&] {
    t.submitted.fetch_add(1);
    submit_to((this_core() + 1) % core_count(), [] {},
              [&](std::exception_ptr error) {
                t.record(error);
                if (!error) chain();
              });
  };
  e.run_on_all(
      [&] {
        for (int i = 0; i < 64; ++i) chain();
      },
      asio::detached);
  std::atomic<bool> producing{true};
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&, p] {
      for (unsigned i = 0; producing.load(); ++i) {
        t.submitted.fetch_add(1);
        e.submit_from_outside(
            i % cores, [] {}, [&](std::exception_ptr error) { t.record(error); });
        if (i % 64 == 0) std::this_thread::yield();
      }
      (void)p;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  e.stop();  // producers keep going across the stop: late ones abort at once
  producing = false;
  for (auto& thread : producers) thread.join();
  EXPECT_EQ(t.handled(), t.submitted.load());
  EXPECT_GT(t.succeeded.load(), 1000u);
  EXPECT_GT(t.aborted.load(), 0u);
  EXPECT_EQ(t.other_errors.load(), 0u);
}

TEST_P(engine_lifecycle_test, starts_again_after_stop) {
  SHARDMQ_REQUIRE_CORES(GetParam());
  engine e(testing::test_config(GetParam()));
  for (int run = 0; run < 3; ++run) {
    e.start();
    EXPECT_TRUE(e.running());
    for (unsigned core = 0; core < e.core_count(); ++core) {
      EXPECT_EQ(run_on(e, core, [] { return this_core(); }), core);
    }
    auto all = e.run_on_all([] {}, asio::use_future);
    get_within_deadline(all);
    e.stop();
    EXPECT_FALSE(e.running());
  }
  EXPECT_NO_THROW(e.wait()) << "wait on a stopped engine is harmless";
}

TEST_P(engine_lifecycle_test, pending_asio_handlers_are_destroyed_at_stop_without_hanging) {
  SHARDMQ_REQUIRE_CORES(GetParam());
  engine e(testing::test_config(GetParam()));
  e.start();
  auto destroyed = std::make_shared<std::atomic<bool>>(false);
  struct flag_on_destroy {
    std::shared_ptr<std::atomic<bool>> flag;
    ~flag_on_destroy() {
      if (flag) flag->store(true);
    }
  };
  run_on(e, 0, [destroyed] {
    asio::co_spawn(
        this_reactor().get_executor(),
        [guard = flag_on_destroy{destroyed}]() -> asio::awaitable<void> {
          asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::hours(1));
          co_await timer.async_wait(asio::use_awaitable);
        },
        asio::detached);
    return 0;
  });
  e.stop();
  EXPECT_TRUE(destroyed->load());
}

TEST_P(engine_lifecycle_test, destroying_a_running_engine_stops_it) {
  SHARDMQ_REQUIRE_CORES(GetParam());
  auto e = std::make_unique<engine>(testing::test_config(GetParam()));
  e->start();
  EXPECT_EQ(run_on(*e, 0, [] { return 7; }), 7);
  e.reset();  // must join, not crash or hang
}

TEST_P(engine_lifecycle_test, stop_and_wait_on_a_reactor_are_clear_errors_but_request_stop_works) {
  SHARDMQ_REQUIRE_CORES(GetParam());
  engine e(testing::test_config(GetParam()));
  e.start();
  EXPECT_EQ(run_on(e, 0,
                   [&] {
                     int errors = 0;
                     try {
                       e.stop();
                     } catch (const std::logic_error&) {
                       ++errors;
                     }
                     try {
                       e.wait();
                     } catch (const std::logic_error&) {
                       ++errors;
                     }
                     e.request_stop();
                     return errors;
                   }),
            2);
  e.wait();  // the reactor's request_stop ended the run
  EXPECT_FALSE(e.running());
  EXPECT_NO_THROW(e.start());
  e.stop();
}

TEST(engine_signals, sigterm_stops_an_engine_that_handles_signals) {
  engine_config config = testing::test_config(1);
  config.stop_on_signals = true;
  engine e(config);
  e.start();
  EXPECT_EQ(run_on(e, 0, [] { return 0; }), 0);  // core 0 has installed its signal handler
  std::raise(SIGTERM);
  std::promise<void> waited;
  std::thread waiter([&] {
    e.wait();
    waited.set_value();
  });
  auto future = waited.get_future();
  EXPECT_EQ(future.wait_for(testing::deadline), std::future_status::ready);
  waiter.join();
  EXPECT_FALSE(e.running());
}

INSTANTIATE_TEST_SUITE_P(cores, engine_lifecycle_test, ::testing::Values(1u, 2u),
                         [](const auto& info) { return std::to_string(info.param) + "_cores"; });

}  // namespace
}  // namespace shardmq
