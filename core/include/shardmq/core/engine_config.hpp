#pragma once

#include <shardmq/alloc/buffer_pool.hpp>
#include <shardmq/timer/timer_wheel.hpp>

#include <chrono>
#include <cstddef>
#include <optional>

namespace shardmq {

/// How an engine is laid out on the machine and how its reactors poll. Defaults suit a server.
struct engine_config {
  /// Number of reactors. Default: one per physical core in the process affinity mask.
  std::optional<unsigned> cores;
  /// Pin each reactor thread to its PU (hwloc). If the OS refuses, the reactor runs unpinned.
  bool pin = true;
  /// Most Asio handlers run per turn (bounded batching).
  unsigned max_batch = 64;
  /// Most items taken from one inbound ring (or the outside queue) per turn.
  unsigned inbound_batch = 128;
  /// An outbound batch is pushed to its ring when it reaches this size, else at the end of a turn.
  unsigned flush_batch = 16;
  /// Slots in each SPSC ring (one request ring and one reply ring per ordered pair of cores).
  std::size_t ring_capacity = 1024;
  /// How long an idle reactor keeps polling before it sleeps in its io_context.
  std::chrono::microseconds idle_spin{40};
  /// An empty epoll poll costs about a microsecond (a syscall); while the last poll found no
  /// handler, the reactor polls the io_context at most this often and spends the rest on its rings.
  std::chrono::microseconds io_poll_interval{10};
  /// Each core's I/O buffer pool (alloc::buffer_pool), created and warmed on the core's own
  /// thread when the engine first starts, so its pages sit on that core's NUMA node.
  alloc::buffer_pool_options buffers{};
  /// Granularity of each core's timer wheel: timers fire up to one tick late, never early.
  std::chrono::nanoseconds timer_tick = default_timer_tick;
  /// Stop the engine on SIGINT/SIGTERM (what a program wants; a library embedding us may not).
  bool stop_on_signals = false;
};

}  // namespace shardmq
