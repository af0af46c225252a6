#pragma once

#include "timer_scenarios.hpp"

namespace shardmq::bench {

/// Runs ours and the baseline alternately, `pairs` rounds (order reversed every other round, a
/// second baseline run per round for the null pairs), and prints the RESULT lines: arm+cancel
/// and arm+fire against asio::steady_timer, the null pairs, and bytes per armed timer against the
/// issue's 64-byte budget; NOTE lines give the spread and asio's footprint. Returns the number of
/// goals met.
int run_timer_summary(wheel_runs& ours, steady_timer_runs& base, unsigned pairs);

}  // namespace shardmq::bench
