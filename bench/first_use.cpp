// First use of a large pool, pre-touched or not: what warm-up at start-up saves the first messages.

#include "alloc_scenarios.hpp"
#include "optimizer_escape.hpp"

#include <cstring>

namespace shardmq::bench {

measurement first_use(std::size_t pool_bytes, bool pre_touch, double& construction_seconds) {
  const std::size_t blocks = pool_bytes / first_use_block;
  std::vector<void*> taken(blocks);  // allocated (and its pages faulted) before the clock starts

  const bench_clock::time_point before_construction = bench_clock::now();
  alloc::core_pool pool({.reserve_bytes = pool_bytes, .pre_touch = pre_touch});
  construction_seconds = seconds_between(before_construction, bench_clock::now());
  // The calling thread may own another pool (the main thread does): give it back afterwards.
  alloc::core_pool* const previous = alloc::core_pool::local();
  pool.bind_to_this_thread();

  const std::size_t bytes = opaque(first_use_block);
  const bench_clock::time_point start = bench_clock::now();
  for (std::size_t i = 0; i < blocks; ++i) {
    taken[i] = pool.allocate(bytes);
    std::memset(taken[i], static_cast<int>(i), bytes);
    escape(taken[i]);
  }
  const bench_clock::time_point end = bench_clock::now();

  for (void* block : taken) alloc::core_pool::deallocate(block);
  if (previous != nullptr) {
    previous->bind_to_this_thread();
  } else {
    alloc::core_pool::unbind_this_thread();
  }
  return {seconds_between(start, end), blocks};
}

}  // namespace shardmq::bench
