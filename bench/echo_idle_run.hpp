#pragma once
// The idle-memory mode of shardmq-echo-load: many open connections that have gone quiet, and what
// they cost the server in resident memory.

#include "echo_load_options.hpp"

#include <cstdint>
#include <optional>

namespace shardmq::bench {

struct echo_idle_report {
  std::uint64_t connections = 0;
  std::optional<std::uint64_t> rss_before;       ///< server VmRSS before the first connect, bytes
  std::optional<std::uint64_t> rss_after;        ///< with every connection open and idle
  std::optional<std::uint64_t> rss_after_close;  ///< once the server has closed them all again
  double seconds_to_open = 0;

  std::optional<double> per_connection() const {
    if (!rss_before || !rss_after || connections == 0) return std::nullopt;
    return (static_cast<double>(*rss_after) - static_cast<double>(*rss_before)) /
           static_cast<double>(connections);
  }
};

/// Opens options.idle connections, exchanges one message of options.size bytes on each (verified;
/// with size 0 it instead waits until the server holds that many more descriptors, so every
/// connection is accepted), holds them options.hold_s, measures, closes. Throws std::runtime_error
/// (echo_mismatch on a wrong byte).
echo_idle_report run_echo_idle(const echo_load_options& options);

}  // namespace shardmq::bench
