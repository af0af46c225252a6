#pragma once

#include <array>
#include <cstdint>

namespace shardmq {

/// Counters of one reactor. Written only by its own thread; read by messaging that core.
struct reactor_stats {
  /// Batch-size histogram buckets: work done per turn in {0, 1, 2-3, 4-7, ..., 64-127, 128+}.
  static constexpr std::size_t histogram_buckets = 9;

  unsigned core = 0;
  unsigned pu = 0;
  unsigned numa_node = 0;
  bool pinned = false;

  std::uint64_t turns = 0;
  std::uint64_t handlers_run = 0;        ///< Asio handlers run by poll_one
  std::uint64_t io_polls = 0;            ///< rounds of poll_one
  std::uint64_t messages_in = 0;         ///< requests run here + replies received from other cores
  std::uint64_t messages_out = 0;        ///< requests + replies pushed to other cores
  std::uint64_t local_runs = 0;          ///< submissions to this same core
  std::uint64_t outside_in = 0;          ///< items from threads that are not reactors
  std::uint64_t flushes = 0;             ///< bulk pushes into rings
  std::uint64_t ring_full = 0;           ///< flushes that left items in the overflow list
  std::uint64_t overflow_peak = 0;       ///< longest overflow list seen
  std::uint64_t aborted = 0;             ///< submissions completed with operation_aborted
  std::uint64_t handler_exceptions = 0;  ///< exceptions escaping user handlers (logged)
  std::uint64_t sleeps = 0;
  std::uint64_t wakeups_sent = 0;
  std::uint64_t wakeups_received = 0;
  // This core's core_pool (per-class counters: reactor::item_pool().stats()).
  std::uint64_t pool_bytes_mapped = 0;
  std::uint64_t pool_live_objects = 0;
  std::uint64_t pool_remote_frees = 0;  ///< blocks freed on other cores, drained here
  std::uint64_t pool_fallbacks = 0;     ///< sizes above the largest class
  // This core's buffer_pool (per-class counters: reactor::buffers().stats()).
  std::uint64_t buffer_bytes_mapped = 0;     ///< pooled chunks plus live oversized buffers
  std::uint64_t buffers_in_use = 0;          ///< pooled buffers held by at least one slice
  std::uint64_t buffer_remote_releases = 0;  ///< references dropped on other cores (net), drained here
  std::uint64_t buffer_fallbacks = 0;        ///< buffers above 64 KiB, from the system allocator
  std::uint64_t buffer_refused = 0;          ///< acquires refused (max_bytes or the OS)
  // This core's timer wheel (reactor::timers().stats() has the rest).
  std::uint64_t timers_armed = 0;  ///< armed now
  std::uint64_t timers_fired = 0;
  std::uint64_t timers_cancelled = 0;
  std::uint64_t timer_cascades = 0;  ///< upper-level slots redistributed
  std::uint64_t timer_alarms = 0;    ///< sleeps ended by the next timer's deadline
  std::uint64_t busy_ns = 0;
  std::uint64_t idle_ns = 0;  ///< spinning with nothing to do, plus sleeping
  std::array<std::uint64_t, histogram_buckets> batch_histogram{};

  static constexpr std::size_t bucket_of(std::uint64_t work) noexcept {
    std::size_t bucket = 0;
    while (work != 0 && bucket + 1 < histogram_buckets) {
      ++bucket;
      work >>= 1;
    }
    return bucket;
  }
};

}  // namespace shardmq
