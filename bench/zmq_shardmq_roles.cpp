// Our side of every role: shardmq::net::zmq sockets on an engine of one core (two for inproc),
// each socket made, used and destroyed on its home reactor by a coroutine. Each operation tries
// the non-blocking call first and waits (async_*, use_awaitable) only when it would block, as a
// program that cares about speed would.

#include "zmq_role.hpp"

#include <shardmq/core.hpp>
#include <shardmq/net/tcp_stack.hpp>
#include <shardmq/net/zmq/socket.hpp>
#include <shardmq/timer/sleep.hpp>

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace shardmq::bench::zmq_bench {

namespace {

namespace zmq = shardmq::net::zmq;
using asio::use_awaitable;

/// Runs the coroutine `make()` returns, keeping `make` (and so a lambda's captures) alive in this
/// frame for as long as the coroutine runs.
template <class MakeCoroutine>
asio::awaitable<void> run_owned(MakeCoroutine make) {
  co_await make();
}

/// One engine (defaults but the core count; pinned inside the process's affinity mask, which the
/// driver sets) and its TCP stack, for the life of the role.
class ours_process {
 public:
  explicit ours_process(unsigned cores) : engine_(config_of(cores)) {
    engine_.start();
    stack_.emplace(engine_);
  }
  ~ours_process() {
    if (engine_.running()) engine_.stop();
    stack_.reset();
  }
  net::tcp_stack& stack() noexcept { return *stack_; }

  /// Runs `fn` on `core` some time later (from the main thread).
  template <class Fn>
  void post(unsigned core, Fn fn) {
    engine_.submit_from_outside(core, std::move(fn), [](std::exception_ptr) {});
  }

  /// Starts the coroutine `make()` returns on `core` (`make` may be a capturing lambda
  /// coroutine); the future ends with it.
  template <class MakeCoroutine>
  std::future<void> spawn(unsigned core, MakeCoroutine make) {
    auto done = std::make_shared<std::promise<void>>();
    std::future<void> result = done->get_future();
    engine_.submit_from_outside(
        core,
        [make = std::move(make), done]() mutable {
          asio::co_spawn(this_reactor().io_context(), run_owned(std::move(make)),
                         [done](std::exception_ptr error) {
                           if (error) {
                             done->set_exception(error);
                           } else {
                             done->set_value();
                           }
                         });
        },
        [done](std::exception_ptr error) {
          if (error) done->set_exception(error);  // co_spawn threw: the coroutine never started
        });
    return result;
  }

 private:
  static engine_config config_of(unsigned cores) {
    engine_config config;
    config.cores = cores;
    return config;
  }

  engine engine_;
  std::optional<net::tcp_stack> stack_;
};

/// Operations that found nothing to take (or no room) and waited through async_receive /
/// async_send on this thread: one per message means every message paid a whole asynchronous
/// completion.
thread_local std::uint64_t async_waits = 0;

/// A snapshot taken inside a turn counts the turn so far as the previous state (busy or idle),
/// so a later snapshot can show less of it: clamp at 0.
double elapsed_ms(std::uint64_t then, std::uint64_t now) {
  return now > then ? static_cast<double>(now - then) / 1e6 : 0.0;
}

/// The measured window on a reactor: also reports, on a `STATS` line before DONE, what the
/// reactor did meanwhile (its turns, sleeps and wake-ups), which the driver prints for ours.
class reactor_window {
 public:
  void open() {
    at_open_ = this_reactor().snapshot_stats();
    waits_at_open_ = async_waits;
    window_.open();
  }
  void close(std::uint64_t operations, const latency_histogram* latencies = nullptr) const {
    report_line(describe_since(at_open_, waits_at_open_));
    window_.close(operations, latencies);
  }

  /// "STATS async_waits=... turns=... sleeps=..." of this thread's reactor since `then`.
  static std::string describe_since(const reactor_stats& then, std::uint64_t waits_then) {
    const reactor_stats now = this_reactor().snapshot_stats();
    char line[320];
    std::snprintf(line, sizeof line,
                  "STATS async_waits=%llu turns=%llu io_polls=%llu handlers=%llu sleeps=%llu wakeups=%llu "
                  "timer_alarms=%llu busy_ms=%.4g idle_ms=%.4g",
                  static_cast<unsigned long long>(async_waits - waits_then),
                  static_cast<unsigned long long>(now.turns - then.turns),
                  static_cast<unsigned long long>(now.io_polls - then.io_polls),
                  static_cast<unsigned long long>(now.handlers_run - then.handlers_run),
                  static_cast<unsigned long long>(now.sleeps - then.sleeps),
                  static_cast<unsigned long long>(now.wakeups_received - then.wakeups_received),
                  static_cast<unsigned long long>(now.timer_alarms - then.timer_alarms),
                  elapsed_ms(then.busy_ns, now.busy_ns), elapsed_ms(then.idle_ns, now.idle_ns));
    return line;
  }

 private:
  measured_window window_;
  reactor_stats at_open_;
  std::uint64_t waits_at_open_ = 0;
};

/// Waits for a role's coroutine; a failure ends the process with its reason.
void wait_for(std::future<void>& done, const char* what) {
  try {
    done.get();
  } catch (const std::exception& error) {
    fail_role(std::string(what) + ": " + error.what());
  }
}

zmq::socket_options measuring_options() {
  zmq::socket_options options;
  options.linger = std::chrono::milliseconds(0);  // ending the run never waits
  return options;
}

bool received_now(zmq::socket& s, zmq::message& m) {
  const std::error_code error = s.try_receive(m);
  if (!error) return true;
  if (error != zmq::would_block()) throw std::system_error(error, "try_receive");
  ++async_waits;
  return false;
}

bool sent_now(zmq::socket& s, zmq::message& m) {
  const std::error_code error = s.try_send(m);
  if (!error) return true;
  if (error != zmq::would_block()) throw std::system_error(error, "try_send");
  ++async_waits;
  return false;
}

zmq::message message_of(std::span<const std::byte> bytes) {
  zmq::message m;
  m.push_back(zmq::frame::copy_of(bytes));
  return m;
}

std::uint64_t sequence_in(const zmq::message& m, const role_options& o) {
  if (m.size() != 1) fail_role("received a message of " + std::to_string(m.size()) + " frames, sent 1", 3);
  return sequence_of(m[0].data(), m[0].size(), o.size);
}

asio::awaitable<void> hold_forever() {
  for (;;) co_await shardmq::sleep_for(std::chrono::hours(1), use_awaitable);
}

asio::awaitable<void> receive_in_order(zmq::socket& s, const role_options& o) {
  zmq::message m;
  reactor_window window;
  for (std::uint64_t i = 0; i < o.warmup + o.messages; ++i) {
    if (i == o.warmup) window.open();
    if (!received_now(s, m)) m = co_await s.async_receive(use_awaitable);
    expect_sequence(sequence_in(m, o), i);
  }
  window.close(o.messages);
}

/// Sends every message; a STATS line (ignored by the driver) tells what the reactor did.
asio::awaitable<void> send_all(zmq::socket& s, const role_options& o) {
  payload body(o.size);
  const reactor_stats before = this_reactor().snapshot_stats();
  const std::uint64_t waits_before = async_waits;
  for (std::uint64_t i = 0; i < o.warmup + o.messages; ++i) {
    zmq::message m = message_of(body.with_sequence(i));
    if (!sent_now(s, m)) co_await s.async_send(std::move(m), use_awaitable);
  }
  report_line(reactor_window::describe_since(before, waits_before));
}

/// Sends every message with `co_await async_send`, never try_send: the common way to write a
/// sender, where each message completes (by a post) before the next is queued.
asio::awaitable<void> send_all_awaiting_each(zmq::socket& s, const role_options& o) {
  payload body(o.size);
  const reactor_stats before = this_reactor().snapshot_stats();
  for (std::uint64_t i = 0; i < o.warmup + o.messages; ++i) {
    co_await s.async_send(message_of(body.with_sequence(i)), use_awaitable);
  }
  report_line(reactor_window::describe_since(before, async_waits));
}

asio::awaitable<void> pull(const role_options& o, net::tcp_stack& stack) {
  zmq::socket s(stack, zmq::socket_type::pull, measuring_options());
  s.bind(o.endpoint);
  report_ready(s.last_endpoint());
  co_await receive_in_order(s, o);
}

asio::awaitable<void> push(const role_options& o, net::tcp_stack& stack) {
  zmq::socket s(stack, zmq::socket_type::push);
  s.connect(o.endpoint);
  co_await send_all(s, o);
  co_await hold_forever();
}

asio::awaitable<void> push_each(const role_options& o, net::tcp_stack& stack) {
  zmq::socket s(stack, zmq::socket_type::push);
  s.connect(o.endpoint);
  co_await send_all_awaiting_each(s, o);
  co_await hold_forever();
}

asio::awaitable<void> rep(const role_options& o, net::tcp_stack& stack) {
  zmq::socket s(stack, zmq::socket_type::rep);
  s.bind(o.endpoint);
  report_ready(s.last_endpoint());
  zmq::message m;
  for (;;) {
    if (!received_now(s, m)) m = co_await s.async_receive(use_awaitable);
    if (!sent_now(s, m)) co_await s.async_send(std::move(m), use_awaitable);
  }
}

asio::awaitable<void> req(const role_options& o, net::tcp_stack& stack) {
  zmq::socket s(stack, zmq::socket_type::req, measuring_options());
  s.connect(o.endpoint);
  payload body(o.size);
  zmq::message reply;
  latency_histogram latencies;
  reactor_window window;
  for (std::uint64_t i = 0; i < o.warmup + o.messages; ++i) {
    if (i == o.warmup) window.open();
    const auto sent = bench_clock::now();
    zmq::message request = message_of(body.with_sequence(i));
    if (!sent_now(s, request)) co_await s.async_send(std::move(request), use_awaitable);
    if (!received_now(s, reply)) reply = co_await s.async_receive(use_awaitable);
    const auto took = bench_clock::now() - sent;
    expect_sequence(sequence_in(reply, o), i);
    if (i >= o.warmup) latencies.record(static_cast<std::uint64_t>(std::chrono::nanoseconds(took).count()));
  }
  window.close(o.messages, &latencies);
}

/// Echoes [routing id, body] back to its sender; ROUTER sends never wait (a full peer drops).
asio::awaitable<void> router(const role_options& o, net::tcp_stack& stack) {
  zmq::socket s(stack, zmq::socket_type::router);
  s.bind(o.endpoint);
  report_ready(s.last_endpoint());
  zmq::message m;
  for (;;) {
    if (!received_now(s, m)) m = co_await s.async_receive(use_awaitable);
    if (m.size() != 2)
      fail_role("the ROUTER received " + std::to_string(m.size()) + " frames, not id + body", 3);
    if (!sent_now(s, m)) co_await s.async_send(std::move(m), use_awaitable);
  }
}

/// The dealers of one client process, on one core: o.dealers sockets, a coroutine each, one
/// count of replies across them.
struct dealer_group {
  dealer_group(const role_options& options, net::tcp_stack& stack) : o(options) {
    sockets.reserve(o.dealers);
    for (unsigned d = 0; d < o.dealers; ++d) {
      sockets.emplace_back(stack, zmq::socket_type::dealer, measuring_options());
      sockets.back().connect(o.endpoint);
    }
    if (o.warmup == 0) window.open();
  }

  /// After the last reply the sockets are closed from a fresh handler (not inside a dealer's
  /// coroutine), which ends the receives still waiting with socket_closed.
  void count_reply() {
    if (++replies == o.warmup) window.open();
    if (replies != o.warmup + o.messages) return;
    window.close(o.messages);
    finished = true;
    asio::post(this_reactor().get_executor(), [this] {
      for (zmq::socket& s : sockets) s.close();
    });
  }

  const role_options& o;
  std::vector<zmq::socket> sockets;
  reactor_window window;
  std::uint64_t replies = 0;
  bool finished = false;
  unsigned running = 0;
  std::exception_ptr error;
  std::shared_ptr<std::promise<void>> done;
};

asio::awaitable<void> dealer_loop(dealer_group& group, zmq::socket& s) {
  const role_options& o = group.o;
  payload body(o.size);
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  zmq::message reply;
  try {
    for (unsigned w = 0; w < o.window; ++w) {
      zmq::message m = message_of(body.with_sequence(sent++));
      if (!sent_now(s, m)) co_await s.async_send(std::move(m), use_awaitable);
    }
    while (!group.finished) {
      if (!received_now(s, reply)) reply = co_await s.async_receive(use_awaitable);
      expect_sequence(sequence_in(reply, o), received++);
      group.count_reply();
      if (group.finished) break;
      zmq::message m = message_of(body.with_sequence(sent++));
      if (!sent_now(s, m)) co_await s.async_send(std::move(m), use_awaitable);
    }
  } catch (const std::system_error& error) {
    if (!group.finished || error.code() != zmq::make_error_code(zmq::errc::socket_closed)) throw;
  }
}

/// Runs on core 0: makes the group and its coroutines; the last one to end frees the group
/// (from a posted handler, once no coroutine frame refers to it) and completes `done`.
void start_dealers(const role_options& o, net::tcp_stack& stack, std::shared_ptr<std::promise<void>> done) {
  auto* group = new dealer_group(o, stack);
  group->done = std::move(done);
  group->running = o.dealers;
  for (zmq::socket& s : group->sockets) {
    asio::co_spawn(this_reactor().io_context(), dealer_loop(*group, s), [group](std::exception_ptr error) {
      if (error && !group->error) group->error = error;
      if (--group->running != 0) return;
      asio::post(this_reactor().get_executor(), [group] {
        auto finished = std::move(group->done);
        const std::exception_ptr failure = group->error;
        delete group;
        if (failure) {
          finished->set_exception(failure);
        } else {
          finished->set_value();
        }
      });
    });
  }
}

int dealers(const role_options& o) {
  ours_process process(1);
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> ended = done->get_future();
  process.spawn(0, [&o, &process, done]() -> asio::awaitable<void> {
    start_dealers(o, process.stack(), done);
    co_return;
  });
  wait_for(ended, "dealers");
  return 0;
}

/// PULL on core 1 binds inproc://shardmq-bench, PUSH on core 0 connects to it. SKIP when our
/// sockets refuse the bind or the connection from another core (no cross-core inproc yet).
int inproc(const role_options& o) {
  ours_process process(2);
  const std::string name = "inproc://shardmq-bench";
  std::promise<std::string> bound;      // empty: bound; else why not
  std::promise<std::string> connected;  // the same for the PUSH's connect
  std::atomic<bool> finished{false};
  std::future<std::string> bind_result = bound.get_future();
  std::future<std::string> connect_result = connected.get_future();
  auto pull_socket = std::make_shared<std::optional<zmq::socket>>();  // touched on core 1 only
  std::future<void> received = process.spawn(1, [&, pull_socket]() -> asio::awaitable<void> {
    try {
      pull_socket->emplace(process.stack(), zmq::socket_type::pull, measuring_options());
      (*pull_socket)->bind(name);
    } catch (const std::exception& error) {
      pull_socket->reset();
      bound.set_value("bind(\"" + name + "\") threw: " + error.what());
      co_return;
    }
    bound.set_value("");
    co_await receive_in_order(**pull_socket, o);
    finished.store(true, std::memory_order_release);
    pull_socket->reset();
  });
  if (std::string refused = bind_result.get(); !refused.empty()) {
    report_skip(refused);
    wait_for(received, "inproc PULL");
    return 0;
  }
  std::future<void> sent = process.spawn(0, [&]() -> asio::awaitable<void> {
    zmq::socket s(process.stack(), zmq::socket_type::push);
    try {
      s.connect(name);
    } catch (const std::exception& error) {
      connected.set_value("connect(\"" + name + "\") on core 0 to a PULL on core 1 threw: " + error.what());
      co_return;
    }
    connected.set_value("");
    co_await send_all(s, o);
    // Keep the socket until everything arrived, whatever linger would do with queued messages.
    while (!finished.load(std::memory_order_acquire)) {
      co_await shardmq::sleep_for(std::chrono::milliseconds(1), use_awaitable);
    }
  });
  if (std::string refused = connect_result.get(); !refused.empty()) {
    report_skip(refused);
    // Closing the PULL ends its wait for a message (socket_closed), which is expected here.
    process.post(1, [pull_socket] { pull_socket->reset(); });
    received.wait();
    wait_for(sent, "inproc PUSH");
    return 0;
  }
  wait_for(received, "inproc PULL");
  wait_for(sent, "inproc PUSH");
  return 0;
}

/// A role made of one coroutine on an engine of one core.
template <class Coroutine>
int run_single(const role_options& o, Coroutine coroutine, const char* what) {
  ours_process process(1);
  std::future<void> done = process.spawn(0, [&] { return coroutine(o, process.stack()); });
  wait_for(done, what);
  return 0;
}

}  // namespace

int run_ours_role(const role_options& o) {
  if (o.role == "pull") return run_single(o, pull, "PULL");
  if (o.role == "push") return run_single(o, push, "PUSH");
  if (o.role == "push_each") return run_single(o, push_each, "PUSH");
  if (o.role == "rep") return run_single(o, rep, "REP");
  if (o.role == "req") return run_single(o, req, "REQ");
  if (o.role == "router") return run_single(o, router, "ROUTER");
  if (o.role == "dealers") return dealers(o);
  if (o.role == "inproc") return inproc(o);
  fail_role("ours has no role " + o.role, 2);
}

}  // namespace shardmq::bench::zmq_bench
