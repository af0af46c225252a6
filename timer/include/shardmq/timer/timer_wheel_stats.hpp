#pragma once

#include <cstdint>

namespace shardmq {

/// Counters of one timer_wheel: plain integers, read and written by the wheel's thread only.
/// armed - rearmed - fired - cancelled == timer_wheel::size().
struct timer_wheel_stats {
  std::uint64_t armed = 0;            ///< arm() calls, re-arms included
  std::uint64_t rearmed = 0;          ///< arm() of a node that was still armed (an O(1) move)
  std::uint64_t fired = 0;            ///< handed to their owner by advance()
  std::uint64_t cancelled = 0;        ///< cancel() of an armed node; cancel_all() and shutdown() too
  std::uint64_t cascades = 0;         ///< slots of an upper level redistributed to lower levels
  std::uint64_t cascaded_timers = 0;  ///< timers those cascades moved (each at most once per level)
};

}  // namespace shardmq
