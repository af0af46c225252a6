#pragma once

#include "core_scenarios.hpp"

#include <vector>

namespace shardmq::bench {

/// Runs every scenario once per round, `pairs` rounds, alternating the order round by round, and
/// prints one RESULT line per comparison of the issue (median of the per-round ratios), the null
/// pairs (a baseline against a second run of itself) and NOTE lines with the spread.
/// Returns how many of the goals were met.
int run_core_summary(const std::vector<core_scenario>& scenarios, core_bench_context& context,
                     unsigned pairs);

}  // namespace shardmq::bench
