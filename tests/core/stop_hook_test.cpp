// Stop hooks: objects living on a core (here a socket with a pending read) are torn down on that
// core at engine stop, and the handlers their cancellation makes ready still run.

#include "engine_fixture.hpp"

#include <asio/bind_executor.hpp>
#include <asio/local/connect_pair.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read.hpp>

#include <array>
#include <atomic>
#include <memory>

namespace shardmq {
namespace {

using testing::run_on;

/// A socket pair with a read pending for ever, closed by the stop hook.
struct pending_reader final : reactor_stop_hook {
  explicit pending_reader(asio::io_context& io) : a(io), b(io) { asio::local::connect_pair(a, b); }
  void on_reactor_stop() noexcept override {
    ++hook_runs;
    std::error_code ignored;
    a.close(ignored);
    b.close(ignored);
  }
  asio::local::stream_protocol::socket a, b;
  std::array<char, 1> byte{};
  std::atomic<int> hook_runs{0};
  std::atomic<int> aborted_reads{0};
};

TEST(stop_hook, runs_on_its_core_at_stop_and_cancelled_handlers_complete_before_the_io_context_dies) {
  engine e(testing::test_config(1));
  e.start();
  auto reader = run_on(e, 0, [] {
    auto r = std::make_shared<pending_reader>(this_reactor().io_context());
    r->a.async_read_some(asio::buffer(r->byte), [r](std::error_code error, std::size_t) {
      if (error == asio::error::operation_aborted) ++r->aborted_reads;
    });
    this_reactor().add_stop_hook(*r);
    return r;
  });
  e.stop();
  EXPECT_EQ(reader->hook_runs.load(), 1);
  EXPECT_EQ(reader->aborted_reads.load(), 1) << "the handler was destroyed instead of run";
}

TEST(stop_hook, a_removed_hook_does_not_run_and_hooks_can_be_re_added) {
  struct counting final : reactor_stop_hook {
    void on_reactor_stop() noexcept override { ++runs; }
    std::atomic<int> runs{0};
  };
  auto first = std::make_shared<counting>();
  auto second = std::make_shared<counting>();
  auto third = std::make_shared<counting>();
  engine e(testing::test_config(1));
  e.start();
  run_on(e, 0, [&] {
    reactor& r = this_reactor();
    r.add_stop_hook(*first);
    r.add_stop_hook(*second);
    r.add_stop_hook(*third);
    r.add_stop_hook(*second);  // twice: still once in the list
    r.remove_stop_hook(*second);
    r.remove_stop_hook(*second);  // not linked: no-op
    return 0;
  });
  e.stop();
  EXPECT_EQ(first->runs.load(), 1);
  EXPECT_EQ(second->runs.load(), 0);
  EXPECT_EQ(third->runs.load(), 1);
  // Hooks run once per stop: after a restart nothing is registered.
  e.start();
  e.stop();
  EXPECT_EQ(first->runs.load(), 1);
}

TEST(stop_hook, a_submission_made_at_stop_completes_on_its_executor_before_the_io_context_dies) {
  // The hook submits with a handler bound to the reactor's executor: the submission is aborted
  // locally, and its completion must run while the io_context still exists.
  struct submitting_hook final : reactor_stop_hook {
    void on_reactor_stop() noexcept override {
      asio::io_context& io = this_reactor().io_context();
      submit_to(
          0, [] { return 1; }, asio::bind_executor(io.get_executor(), [this](std::exception_ptr error, int) {
            if (error) ++aborted_on_executor;  // in place: we are on its executor's thread
          }));
    }
    std::atomic<int> aborted_on_executor{0};
  };
  auto hook = std::make_shared<submitting_hook>();
  engine e(testing::test_config(1));
  e.start();
  run_on(e, 0, [&] {
    this_reactor().add_stop_hook(*hook);
    return 0;
  });
  e.stop();
  EXPECT_EQ(hook->aborted_on_executor.load(), 1);
}

}  // namespace
}  // namespace shardmq
