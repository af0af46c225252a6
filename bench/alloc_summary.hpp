#pragma once

#include "alloc_scenarios.hpp"

#include <vector>

namespace shardmq::bench {

/// Runs every scenario once per round, `pairs` rounds (fewer for scenarios with a round limit),
/// reversing the order every other round, and prints one RESULT line per comparison that has a
/// goal (median of the per-round ratios), the null pairs (a baseline against a second run of
/// itself in the same round), and NOTE lines for comparisons without a goal, the spreads and the
/// first-use construction times. Returns how many goals were met.
int run_alloc_summary(const std::vector<alloc_scenario>& scenarios, const alloc_bench_context& context,
                      unsigned pairs);

}  // namespace shardmq::bench
