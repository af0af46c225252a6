// shardmq-bench-core: submit_to against a mutex queue, asio::post and a bare SPSC ring, across two
// pinned cores. Google Benchmark runs first (per-scenario detail), then the paired summary prints
// the RESULT lines. See bench/README.md for the method and the recorded figures.

#include "core_google_benchmarks.hpp"
#include "core_scenarios.hpp"
#include "core_summary.hpp"
#include "paired_command_line.hpp"
#include "result_line.hpp"

#include <shardmq/core/detail/wake_signal.hpp>
#include <shardmq/core/engine.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

constexpr const char* usage_text = R"(usage: shardmq-bench-core [options] [Google Benchmark flags]

Compares shardmq::submit_to between two pinned reactors with a mutex+condvar queue, asio::post
and a bare boost::lockfree::spsc_queue on the same two PUs, and prints one line per comparison:
  RESULT <name> ours=<v> base=<v> ratio=<ours/base> unit=<u> better=<higher|lower> goal=<ratio>

options:
  --pairs N          rounds of the paired summary (default 15; each round runs ours and every
                     baseline once, order alternating round by round; ratio = median per round)
  --quick            smoke run in seconds: 2 pairs, runs 50x shorter, benchmarks at min_time 0.01
  --summary-only     skip the Google Benchmark runs, print only the paired summary
  --benchmarks-only  skip the paired summary (no RESULT lines)
  --help             this text

Other flags go to Google Benchmark (e.g. --benchmark_filter=submit_to --benchmark_min_time=1).
)";

struct bench_options : shardmq::bench::paired_command_line {
  bool run_benchmarks = true;
  bool run_summary = true;
};

/// Takes our flags out of argv and leaves the rest for Google Benchmark.
bench_options parse_options(int& argc, char** argv) {
  bench_options options{{"shardmq-bench-core", usage_text, 15, 2}};
  options.parse(
      argc, argv,
      [&](const std::string& arg) {
        if (arg == "--summary-only") {
          options.run_benchmarks = false;
        } else if (arg == "--benchmarks-only") {
          options.run_summary = false;
        } else {
          return false;
        }
        return true;
      },
      /*keep_unknown=*/true);
  return options;
}

bool has_flag(int argc, char** argv, const char* prefix) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0) return true;
  }
  return false;
}

void print_setup_notes(shardmq::engine& e) {
  using shardmq::bench::print_note;
  const shardmq::engine_config& c = e.config();
  const std::vector<shardmq::reactor_stats> stats = e.collect_stats();
  std::string placement;
  for (const shardmq::reactor_stats& s : stats) {
    placement += " core" + std::to_string(s.core) + "->PU" + std::to_string(s.pu) +
                 (s.pinned ? "(pinned)" : "(UNPINNED)");
  }
  print_note("machine: " + e.machine().describe() + ";" + placement + "; baseline threads on the same PUs");
  print_note("engine: idle_spin=" + std::to_string(c.idle_spin.count()) + "us io_poll_interval=" +
             std::to_string(c.io_poll_interval.count()) + "us flush_batch=" + std::to_string(c.flush_batch) +
             " inbound_batch=" + std::to_string(c.inbound_batch) +
             " ring_capacity=" + std::to_string(c.ring_capacity) +
             " max_batch=" + std::to_string(c.max_batch) + " wake_barrier=seq_cst fence");
}

}  // namespace

int main(int argc, char** argv) {
  bench_options options = parse_options(argc, argv);
  // Google Benchmark keeps pointers into argv; the injected flag must outlive it.
  static char quick_min_time[] = "--benchmark_min_time=0.01";
  std::vector<char*> args(argv, argv + argc);
  if (options.quick && !has_flag(argc, argv, "--benchmark_min_time")) args.push_back(quick_min_time);
  int gb_argc = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&gb_argc, args.data());
  if (benchmark::ReportUnrecognizedArguments(gb_argc, args.data())) return 2;

  try {
    shardmq::engine ours(shardmq::engine_config{.cores = 2});
    ours.start();
    print_setup_notes(ours);

    const std::vector<shardmq::cpu_slot>& slots = ours.placement();
    shardmq::bench::core_bench_context context{
        ours, shardmq::bench::pinned_pair(ours.machine(), slots[0], slots[1]),
        shardmq::bench::stream_bounds{},
        options.quick ? shardmq::bench::core_bench_sizes{}.scaled_down(50)
                      : shardmq::bench::core_bench_sizes{}};
    context.bounds.capacity = shardmq::bench::stream_window;
    context.bounds.push_batch = ours.config().flush_batch;
    context.bounds.pop_batch = ours.config().inbound_batch;
    const std::vector<shardmq::bench::core_scenario> scenarios = shardmq::bench::core_scenarios(context);

    if (options.run_benchmarks) {
      shardmq::bench::register_core_benchmarks(scenarios);
      benchmark::RunSpecifiedBenchmarks();
    }
    if (options.run_summary) shardmq::bench::run_core_summary(scenarios, context, options.pairs);
    ours.stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shardmq-bench-core: %s\n", e.what());
    return 1;
  }
  benchmark::Shutdown();
  return 0;
}
