// shardmq-bench-timer: the timer wheel against asio::steady_timer, ours and the baseline
// alternating run by run, verdict from the median of per-pair ratios. See bench/README.md.

#include "paired_command_line.hpp"
#include "result_line.hpp"
#include "timer_scenarios.hpp"
#include "timer_summary.hpp"

#include <shardmq/timer/timer_wheel.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

namespace {

constexpr const char* usage_text = R"(usage: shardmq-bench-timer [options]

Compares shardmq's timer wheel with asio::steady_timer on one thread and prints one line per
comparison:
  RESULT <name> ours=<v> base=<v> ratio=<ours/base> unit=<u> better=<higher|lower> goal=<ratio>

  timer_arm_cancel_vs_asio_steady_timer   arm 1000 timers, cancel them all, reap (asio: one poll())
  timer_arm_fire_vs_asio_steady_timer     arm 1,000,000 timers due within 1 s, fire them all
  timer_bytes_per_armed_timer_vs_budget   bytes an armed timer occupies, against 64
  null_pair_asio_*                        the baseline against a second run of itself (noise)

Figures are the thread's CPU time per timer (both sides run on one thread and never block);
wall-clock medians follow in NOTE lines.

options:
  --pairs N   rounds (default 9; each runs the baseline, ours and the baseline again, order
              reversed every other round; ratio = median of the per-round ratios)
  --quick     smoke run in a few seconds: 3 pairs, runs 50x smaller
  --help      this text
)";

/// Our flags: --pairs (default 9), --quick (3 pairs) and --help; anything else is an error.
shardmq::bench::paired_command_line parse_options(int argc, char** argv) {
  shardmq::bench::paired_command_line options{"shardmq-bench-timer", usage_text, 9, 3};
  options.parse(argc, argv);
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse_options(argc, argv);
  using namespace shardmq::bench;
  try {
    const timer_bench_sizes sizes = options.quick ? timer_bench_sizes{}.scaled_down(50) : timer_bench_sizes{};
    constexpr std::uint64_t seed = 20240604;
    wheel_runs ours(sizes, seed);
    steady_timer_runs base(sizes, seed);
    print_note(
        "set-up: one thread, unpinned; wheel tick " +
        std::to_string(shardmq::default_timer_tick.count() / 1000) +
        " us; asio io_context with ASIO_CONCURRENCY_HINT_UNSAFE (a reactor's); arm+cancel: batches of " +
        std::to_string(sizes.batch) + " (" + std::to_string(sizes.ours_batches) + " per wheel run, " +
        std::to_string(sizes.asio_batches) + " per asio run); arm+fire: " +
        std::to_string(sizes.fired_timers) + " timers per run; " + std::to_string(options.pairs) + " pairs");
    run_timer_summary(ours, base, options.pairs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shardmq-bench-timer: %s\n", e.what());
    return 1;
  }
  return 0;
}
