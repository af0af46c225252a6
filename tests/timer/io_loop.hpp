#pragma once
// A stand-in for the reactor's loop in the sleep tests: one io_context and one wheel bound to the
// test thread, turned by polling the io_context and advancing the wheel on the real clock.

#include <shardmq/timer/timer_wheel.hpp>

#include <asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

namespace shardmq::testing {

using namespace std::chrono_literals;

struct io_loop {
  io_loop() { wheel.bind_to_this_thread(); }

  /// Ready handlers, then due timers, then the handlers those completions queued.
  void turn() {
    poll();
    wheel.advance(timer_wheel::clock::now());
    poll();
  }

  /// Turns until `done()`, napping until the next deadline (at most 200 us) between turns.
  /// False if `limit` passed first: the generous functional bound of these tests.
  template <class Predicate>
  bool run_until(Predicate done, std::chrono::milliseconds limit = 2000ms) {
    const auto give_up = timer_wheel::clock::now() + limit;
    for (;;) {
      turn();
      if (done()) return true;
      const auto now = timer_wheel::clock::now();
      if (now > give_up) return false;
      auto wake = now + 200us;
      if (auto next = wheel.next_deadline()) wake = std::min(wake, *next);
      std::this_thread::sleep_until(wake);
    }
  }

  void run_for(std::chrono::milliseconds time) {
    const auto until = timer_wheel::clock::now() + time;
    run_until([&] { return timer_wheel::clock::now() >= until; }, time + 1000ms);
  }

  void poll() {
    // An io_context that ran out of work stops; the reactor's never does (its doorbell waits).
    if (io.stopped()) io.restart();
    io.poll();
  }

  asio::io_context io{1};
  timer_wheel wheel;  // after io: destroyed (shut down) first, while io still exists
};

}  // namespace shardmq::testing
