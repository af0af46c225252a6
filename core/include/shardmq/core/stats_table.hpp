#pragma once

#include <shardmq/core/reactor_stats.hpp>

#include <string>
#include <vector>

namespace shardmq {

/// A fixed-width text table, one row per core plus a total row, for logs and the demo.
std::string format_stats_table(const std::vector<reactor_stats>& cores);

}  // namespace shardmq
