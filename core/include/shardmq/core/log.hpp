#pragma once

#include <string_view>

namespace shardmq {

enum class log_level { debug, info, warning, error };

/// Writes one line to stderr ("shardmq[core 1] warning: ..."). Thread-safe; one write per line.
void log(log_level level, std::string_view message) noexcept;

/// Lines below `level` are dropped (default: info).
void set_log_level(log_level level) noexcept;

}  // namespace shardmq
