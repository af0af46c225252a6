#include "submit_to_scenarios.hpp"

#include <shardmq/core/reactor.hpp>

#include <asio/detached.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <memory>
#include <vector>

namespace shardmq::bench {
namespace {

constexpr unsigned sender_core = 0;
constexpr unsigned target_core = 1;

/// A run that never finishes means a lost wake-up or a deadlock in the core; say so and exit
/// rather than hang CI (the reactors may still reference the run's state, so no unwinding).
constexpr std::chrono::seconds run_deadline{60};

measurement wait_or_die(std::future<measurement>& done, const char* scenario) {
  if (done.wait_for(run_deadline) != std::future_status::ready) {
    std::fprintf(stderr,
                 "shardmq-bench: %s did not finish within %llds (lost wake-up or deadlock in the core?)\n",
                 scenario, static_cast<long long>(run_deadline.count()));
    std::fflush(nullptr);
    std::_Exit(3);
  }
  return done.get();  // rethrows a failure reported by a handler
}

/// The state of a run lives on the heap and belongs to the reactors: the last handler hands the
/// result to the waiting thread and then deletes the state, so the promise is never destroyed
/// under a set_value that is still running.
template <class Run>
void finish(Run* run, std::exception_ptr error, measurement result) {
  std::unique_ptr<Run> owned(run);
  if (error) {
    owned->done.set_exception(error);
  } else {
    owned->done.set_value(result);
  }
}

// --- windowed stream ---------------------------------------------------------------------------

/// State of one windowed run. The sender's fields are touched only on core 0; `delivered` only
/// on core 1, 128 bytes away so that neither the line nor its prefetched neighbour bounces.
struct windowed_run {
  std::uint64_t total = 0;
  std::uint64_t window = 0;
  std::uint64_t submitted = 0;
  std::uint64_t completed = 0;
  bench_clock::time_point start;
  std::promise<measurement> done;
  alignas(128) std::uint64_t delivered = 0;
};

struct count_on_target {
  windowed_run* run;
  void operator()() const noexcept { ++run->delivered; }
};

void submit_next(windowed_run& run);

/// Back on core 0: counts the completion and refills the window.
struct refill_window {
  windowed_run* run;
  void operator()(std::exception_ptr error) const {
    if (error) return finish(run, error, {});
    if (++run->completed == run->total) {
      return finish(run, nullptr, {seconds_between(run->start, bench_clock::now()), run->completed});
    }
    if (run->submitted < run->total) submit_next(*run);
  }
};

void submit_next(windowed_run& run) {
  ++run.submitted;
  submit_to(target_core, count_on_target{&run}, refill_window{&run});
}

// --- round trips to a sleeping core --------------------------------------------------------------

struct asleep_run {
  std::uint64_t total = 0;
  std::uint64_t completed = 0;
  bench_clock::duration gap{};
  bench_clock::duration latency_sum{};
  bench_clock::time_point sent_at;
  std::promise<measurement> done;
};

void send_after_gap(asleep_run& run);

struct record_latency {
  asleep_run* run;
  void operator()(std::exception_ptr error) const {
    const bench_clock::time_point arrived = bench_clock::now();
    if (error) return finish(run, error, {});
    run->latency_sum += arrived - run->sent_at;
    if (++run->completed == run->total) {
      return finish(run, nullptr, {std::chrono::duration<double>(run->latency_sum).count(), run->completed});
    }
    send_after_gap(*run);
  }
};

void send_after_gap(asleep_run& run) {
  // Spinning here keeps core 0 awake (it is inside a handler) while core 1 idles into sleep.
  const bench_clock::time_point until = bench_clock::now() + run.gap;
  while (bench_clock::now() < until) {
  }
  run.sent_at = bench_clock::now();
  submit_to(
      target_core, [] {}, record_latency{&run});
}

}  // namespace

measurement submit_to_windowed(engine& e, std::uint64_t total, std::uint64_t window) {
  auto* run = new windowed_run;
  run->total = total;
  run->window = window;
  std::future<measurement> done = run->done.get_future();
  e.submit_from_outside(
      sender_core,
      [run] {
        run->start = bench_clock::now();
        while (run->submitted < run->window && run->submitted < run->total) submit_next(*run);
      },
      asio::detached);
  return wait_or_die(done, "submit_to_windowed");
}

asleep_round_trips submit_to_round_trips_target_asleep(engine& e, std::uint64_t round_trips,
                                                       std::chrono::microseconds gap) {
  auto* run = new asleep_run;
  run->total = round_trips;
  run->gap = gap;
  std::future<measurement> done = run->done.get_future();
  const std::vector<reactor_stats> before = e.collect_stats();
  e.submit_from_outside(
      sender_core, [run] { send_after_gap(*run); }, asio::detached);
  asleep_round_trips result;
  result.latency = wait_or_die(done, "submit_to_round_trips_target_asleep");
  const std::vector<reactor_stats> after = e.collect_stats();

  result.target_sleeps = after[target_core].sleeps - before[target_core].sleeps;
  result.target_wakeups = after[target_core].wakeups_received - before[target_core].wakeups_received;
  result.wakeups_sent = after[sender_core].wakeups_sent - before[sender_core].wakeups_sent;
  return result;
}

std::chrono::microseconds sleep_inducing_gap(const engine& e) {
  return 3 * e.config().idle_spin + std::chrono::microseconds(30);
}

}  // namespace shardmq::bench
