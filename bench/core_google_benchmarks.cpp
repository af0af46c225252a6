#include "core_google_benchmarks.hpp"

#include <benchmark/benchmark.h>

namespace shardmq::bench {

void register_core_benchmarks(const std::vector<core_scenario>& scenarios) {
  for (const core_scenario& s : scenarios) {
    // Each iteration is one whole run (a stream or a series of round trips); the time is the one
    // the run measured itself, so thread start-up and engine hand-off stay outside it.
    benchmark::RegisterBenchmark(
        s.name.c_str(),
        [&s](benchmark::State& state) {
          std::uint64_t operations = 0;
          double seconds = 0;
          for (auto _ : state) {
            const measurement m = s.run();
            state.SetIterationTime(m.seconds);
            operations += m.operations;
            seconds += m.seconds;
          }
          state.SetItemsProcessed(static_cast<std::int64_t>(operations));
          if (s.kind == figure::ns_per_operation) {
            state.counters["ns_per_op"] = measurement{seconds, operations}.ns_per_operation();
          }
        })
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace shardmq::bench
