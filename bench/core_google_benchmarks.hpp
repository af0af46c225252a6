#pragma once

#include "core_scenarios.hpp"

#include <vector>

namespace shardmq::bench {

/// Registers one Google Benchmark per scenario (manual time, items/s). `scenarios` must outlive
/// benchmark::RunSpecifiedBenchmarks.
void register_core_benchmarks(const std::vector<core_scenario>& scenarios);

}  // namespace shardmq::bench
