// submit_to semantics on 1 and 2 cores: ordering, exactly-once delivery, where completions run,
// completion tokens (callback, coroutine, future) and error paths.

#include "engine_fixture.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/system_error.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace shardmq {
namespace {

using testing::get_within_deadline;
using testing::run_on;

class submit_to_test : public ::testing::TestWithParam<unsigned> {
 protected:
  void SetUp() override {
    SHARDMQ_REQUIRE_CORES(GetParam());
    engine_ = std::make_unique<engine>(testing::test_config(GetParam()));
    engine_->start();
  }
  void TearDown() override {
    if (engine_) engine_->stop();
  }
  unsigned cores() const { return GetParam(); }
  unsigned peer_of(unsigned core) const { return (core + 1) % cores(); }
  std::unique_ptr<engine> engine_;
};

TEST_P(submit_to_test, runs_on_the_target_core_and_completes_on_the_callers_core) {
  for (unsigned origin = 0; origin < cores(); ++origin) {
    std::promise<std::pair<unsigned, unsigned>> where;
    engine_->submit_to(
        origin,
        [&, origin] {
          submit_to(
              peer_of(origin), [] { return this_core(); },
              [&](std::exception_ptr error, unsigned ran_on) {
                EXPECT_FALSE(error);
                where.set_value({ran_on, this_core()});
              });
        },
        asio::detached);
    auto future = where.get_future();
    auto [ran_on, completed_on] = get_within_deadline(future);
    EXPECT_EQ(ran_on, peer_of(origin));
    EXPECT_EQ(completed_on, origin);
  }
}

TEST_P(submit_to_test, keeps_fifo_order_per_ordered_pair) {
  constexpr unsigned count = 100'000;
  // Every core streams numbered items to its peer without waiting; the peer checks the order.
  auto received = std::make_shared<std::vector<std::vector<unsigned>>>(cores());
  std::promise<void> done;
  std::atomic<unsigned> completed{0};
  engine_->run_on_all(
      [&, received] {
        const unsigned self = this_core();
        for (unsigned i = 0; i < count; ++i) {
          submit_to(
              peer_of(self), [received, self, i] { (*received)[self].push_back(i); },
              [&](std::exception_ptr error) {
                EXPECT_FALSE(error);
                if (completed.fetch_add(1) + 1 == count * cores()) done.set_value();
              });
        }
      },
      asio::detached);
  auto future = done.get_future();
  get_within_deadline(future);
  for (unsigned origin = 0; origin < cores(); ++origin) {
    const auto& seen = (*received)[origin];
    ASSERT_EQ(seen.size(), count);
    for (unsigned i = 0; i < count; ++i) ASSERT_EQ(seen[i], i) << "from core " << origin;
  }
}

TEST_P(submit_to_test, delivers_a_million_messages_exactly_once) {
  constexpr std::uint64_t total = 1'000'000;
  constexpr std::uint64_t window = 256;
  // A windowed stream from every core to its peer: each value is summed where it runs and
  // counted where it completes, so a loss or a duplicate changes a checksum.
  struct stream {
    std::uint64_t next = 0, completed = 0, returned_sum = 0;
  };
  std::vector<std::atomic<std::uint64_t>> ran_sum(cores());
  std::vector<stream> streams(cores());
  std::vector<std::promise<void>> done(cores());
  const std::uint64_t per_core = total / cores();

  std::function<void(unsigned)> pump = [&](unsigned self) {
    stream& s = streams[self];
    const std::uint64_t value = ++s.next;
    submit_to(
        peer_of(self),
        [&, value] {
          ran_sum[this_core()].fetch_add(value, std::memory_order_relaxed);
          return value;
        },
        [&, self](std::exception_ptr error, std::uint64_t echoed) {
          ASSERT_FALSE(error);
          s.returned_sum += echoed;
          if (s.next < per_core) pump(self);
          // Last: once the promise is set the test body may return and destroy `s`.
          if (++s.completed == per_core) done[self].set_value();
        });
  };
  engine_->run_on_all(
      [&] {
        for (std::uint64_t i = 0; i < window; ++i) pump(this_core());
      },
      asio::detached);
  for (auto& promise : done) {
    auto future = promise.get_future();
    get_within_deadline(future);
  }
  const std::uint64_t expected = per_core * (per_core + 1) / 2;
  for (unsigned core = 0; core < cores(); ++core) {
    EXPECT_EQ(streams[core].completed, per_core);
    EXPECT_EQ(streams[core].returned_sum, expected);
    EXPECT_EQ(ran_sum[peer_of(core)].load(), expected);
  }
}

TEST_P(submit_to_test, a_coroutine_awaits_submit_to) {
  std::promise<unsigned> result;
  engine_->submit_to(
      0,
      [&] {
        asio::co_spawn(
            this_reactor().get_executor(),
            [&]() -> asio::awaitable<void> {
              unsigned sum = 0;
              for (unsigned i = 0; i < 1000; ++i) {
                sum += co_await submit_to(
                    peer_of(0), [i] { return i + this_core(); }, asio::use_awaitable);
                EXPECT_EQ(this_core(), 0u);  // resumed on its own core
              }
              result.set_value(sum);
            },
            asio::detached);
      },
      asio::detached);
  auto future = result.get_future();
  EXPECT_EQ(get_within_deadline(future), 999u * 1000u / 2 + 1000u * peer_of(0));
}

TEST_P(submit_to_test, an_exception_in_the_function_reaches_the_caller) {
  // Callback: the exception_ptr; coroutine: rethrown at co_await; future: rethrown by get().
  std::promise<std::string> callback, coroutine;
  engine_->submit_to(
      0,
      [&] {
        submit_to(
            peer_of(0), []() -> int { throw std::runtime_error("callback boom"); },
            [&](std::exception_ptr error, int) {
              try {
                std::rethrow_exception(error);
              } catch (const std::exception& e) {
                callback.set_value(e.what());
              }
            });
        asio::co_spawn(
            this_reactor().get_executor(),
            [&]() -> asio::awaitable<void> {
              try {
                co_await submit_to(
                    peer_of(0), [] { throw std::logic_error("coroutine boom"); }, asio::use_awaitable);
                coroutine.set_value("no exception");
              } catch (const std::logic_error& e) {
                coroutine.set_value(e.what());
              }
            },
            asio::detached);
      },
      asio::detached);
  auto f1 = callback.get_future();
  auto f2 = coroutine.get_future();
  EXPECT_EQ(get_within_deadline(f1), "callback boom");
  EXPECT_EQ(get_within_deadline(f2), "coroutine boom");
  auto f3 = engine_->submit_to(
      peer_of(0), []() -> int { throw std::out_of_range("future boom"); }, asio::use_future);
  EXPECT_THROW(get_within_deadline(f3), std::out_of_range);
}

TEST_P(submit_to_test, an_exception_in_a_handler_is_contained_and_counted) {
  std::promise<void> next;
  engine_->submit_to(
      0,
      [&] {
        submit_to(
            peer_of(0), [] {}, [](std::exception_ptr) { throw std::runtime_error("handler boom"); });
        submit_to(
            peer_of(0), [] {}, [&](std::exception_ptr) { next.set_value(); });
      },
      asio::detached);
  auto future = next.get_future();
  get_within_deadline(future);  // the reactor survived and kept going
  auto stats = run_on(*engine_, 0, [] { return this_reactor().snapshot_stats(); });
  EXPECT_EQ(stats.handler_exceptions, 1u);
}

TEST_P(submit_to_test, run_on_all_runs_once_on_every_core) {
  std::vector<std::atomic<int>> hits(cores());
  auto future = engine_->run_on_all([&] { hits[this_core()].fetch_add(1); }, asio::use_future);
  get_within_deadline(future);
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  // From a reactor, the completion comes back to the calling core.
  std::promise<unsigned> completed_on;
  engine_->submit_to(
      cores() - 1,
      [&] {
        run_on_all([] {},
                   [&](std::exception_ptr error) {
                     EXPECT_FALSE(error);
                     completed_on.set_value(this_core());
                   });
      },
      asio::detached);
  auto where = completed_on.get_future();
  EXPECT_EQ(get_within_deadline(where), cores() - 1);
  auto failing = engine_->run_on_all(
      [] {
        if (this_core() == 0) throw std::runtime_error("core 0 failed");
      },
      asio::use_future);
  EXPECT_THROW(get_within_deadline(failing), std::runtime_error);
}

TEST_P(submit_to_test, bad_arguments_are_clear_errors) {
  EXPECT_THROW(engine_->submit_to(
                   cores(), [] {}, asio::use_future),
               std::out_of_range);
  EXPECT_THROW(submit_to(
                   0, [] {}, [](std::exception_ptr) {}),
               std::logic_error);  // not on a reactor
  EXPECT_THROW(this_core(), std::logic_error);
  EXPECT_THROW(run_on(*engine_, 0,
                      [] {
                        submit_to(
                            99, [] {}, [](std::exception_ptr) {});
                      }),
               std::out_of_range);
}

INSTANTIATE_TEST_SUITE_P(cores, submit_to_test, ::testing::Values(1u, 2u),
                         [](const auto& info) { return std::to_string(info.param) + "_cores"; });

}  // namespace
}  // namespace shardmq
