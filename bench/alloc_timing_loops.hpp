#pragma once
// The timed loops of shardmq-bench-alloc, written once and instantiated for every allocator, so that
// ours, the baselines and the floor do exactly the same work around their calls: a run-time size,
// one byte written per block, the pointer escaped.

#include "measurement.hpp"
#include "optimizer_escape.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace shardmq::bench {

/// Untimed alloc+free pairs before each timed loop: free lists, caches and branch predictors warm.
inline constexpr std::uint64_t warm_up_pairs = 1024;

/// Runs `body(i)` `warm_up` times untimed, then `operations` times timed.
template <class Body>
measurement time_repeated(std::uint64_t operations, std::uint64_t warm_up, Body&& body) {
  for (std::uint64_t i = 0; i < warm_up; ++i) body(i);
  const bench_clock::time_point start = bench_clock::now();
  for (std::uint64_t i = 0; i < operations; ++i) body(i);
  const bench_clock::time_point end = bench_clock::now();
  return {seconds_between(start, end), operations};
}

/// `pairs` times: allocate `size` bytes, write a byte, free. ns per pair.
template <class Allocate, class Deallocate>
measurement time_alloc_free_pairs(std::uint64_t pairs, std::size_t size, Allocate&& allocate,
                                  Deallocate&& deallocate) {
  const std::size_t bytes = opaque(size);
  return time_repeated(pairs, warm_up_pairs, [&](std::uint64_t i) {
    void* block = allocate(bytes);
    touch_and_escape(block, static_cast<unsigned char>(i));
    deallocate(block);
  });
}

/// `batches` times: `batch` allocations of `size` bytes (each written), then `batch` frees in
/// allocation order, the way a burst of messages is received and later released. The operation
/// count is batches * batch alloc+free pairs.
template <class Allocate, class Deallocate>
measurement time_alloc_free_batches(std::uint64_t batches, std::size_t batch, std::size_t size,
                                    Allocate&& allocate, Deallocate&& deallocate) {
  const std::size_t bytes = opaque(size);
  std::vector<void*> blocks(batch);
  measurement m = time_repeated(batches, warm_up_pairs / batch + 1, [&](std::uint64_t round) {
    for (std::size_t i = 0; i < batch; ++i) {
      blocks[i] = allocate(bytes);
      touch_and_escape(blocks[i], static_cast<unsigned char>(round + i));
    }
    for (std::size_t i = 0; i < batch; ++i) deallocate(blocks[i]);
  });
  m.operations *= batch;
  return m;
}

}  // namespace shardmq::bench
