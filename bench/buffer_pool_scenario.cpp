// HOOK: the ours side of the buffer acquire/release comparison (issue 3, part 3). The buffer pool
// (alloc/include/shardmq/alloc/buffer_pool.hpp) is being written elsewhere; until it lands this
// returns nullopt and the summary prints a NOTE in place of buffer_acquire_release_vs_free_list.
// The baselines (new std::byte[16384] / delete[], and a trivial free list of 16 KiB blocks) are in
// alloc_scenarios.cpp and already run.
//
// To fill in: build the pool outside the timed part (warmed, as the reactor will), then
//
//   return time_repeated(round_trips, warm_up_pairs, [&](std::uint64_t i) {
//     auto buffer = pool.acquire(bytes);                        // whatever the API is
//     touch_and_escape(buffer.data(), static_cast<unsigned char>(i));
//   });                                                         // released as `buffer` dies
//
// with #include "alloc_timing_loops.hpp" — the same loop and barriers as the baselines.

#include "alloc_scenarios.hpp"

namespace shardmq::bench {

std::optional<measurement> buffer_pool_acquire_release(std::uint64_t round_trips, std::size_t bytes) {
  (void)round_trips;
  (void)bytes;
  return std::nullopt;
}

}  // namespace shardmq::bench
