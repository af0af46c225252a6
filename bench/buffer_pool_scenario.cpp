// The ours side of the buffer acquire/release comparison: a warm alloc::buffer_pool bound to the
// thread, as each reactor has one. The baselines (new std::byte[] / delete[] and a trivial free
// list of blocks of the same size) are in alloc_scenarios.cpp.

#include <shardmq/alloc/buffer_pool.hpp>

#include "alloc_scenarios.hpp"
#include "alloc_timing_loops.hpp"

namespace shardmq::bench {

std::optional<measurement> buffer_pool_acquire_release(std::uint64_t round_trips, std::size_t bytes) {
  alloc::buffer_pool pool;
  pool.bind_to_this_thread();
  const std::size_t size = opaque(bytes);
  measurement m = time_repeated(round_trips, warm_up_pairs, [&](std::uint64_t i) {
    alloc::slice buffer = pool.acquire(size);
    touch_and_escape(buffer.data(), static_cast<unsigned char>(i));
  });  // released as `buffer` dies
  alloc::buffer_pool::unbind_this_thread();
  return m;
}

}  // namespace shardmq::bench
