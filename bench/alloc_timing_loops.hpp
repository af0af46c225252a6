#pragma once
// The timed loops of shardmq-bench-alloc, written once and instantiated for every allocator, so that
// ours, the baselines and the floor do exactly the same work around their calls: a run-time size,
// one byte written per block, the pointer escaped.

#include "measurement.hpp"
#include "optimizer_escape.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace shardmq::bench {

/// Untimed alloc+free pairs before each timed loop: free lists, caches and branch predictors warm.
inline constexpr std::uint64_t warm_up_pairs = 1024;

/// A timed run is cut into this many equal slices and reports its median slice. The machine is
/// shared: a run of wall time absorbs every preemption by another process, and the longer run of
/// a pair (the slower allocator) absorbs more of them. A preemption spoils one slice instead.
inline constexpr std::uint64_t timed_slices = 64;

/// The median of `slice_seconds` (each slice `per_slice` operations) as a whole run.
inline measurement median_slice(std::vector<double> slice_seconds, std::uint64_t per_slice) {
  const std::size_t middle = slice_seconds.size() / 2;
  std::nth_element(slice_seconds.begin(), slice_seconds.begin() + middle, slice_seconds.end());
  const auto slices = static_cast<std::uint64_t>(slice_seconds.size());
  return {slice_seconds[middle] * static_cast<double>(slices), per_slice * slices};
}

/// Runs `body(i)` `warm_up` times untimed, then `operations` times (rounded down to a multiple
/// of the slice count) in timed slices; the measurement is the median slice scaled to the run.
template <class Body>
measurement time_repeated(std::uint64_t operations, std::uint64_t warm_up, Body&& body) {
  for (std::uint64_t i = 0; i < warm_up; ++i) body(i);
  const std::uint64_t slices = operations < timed_slices ? 1 : timed_slices;
  const std::uint64_t per_slice = operations / slices;
  std::vector<double> slice_seconds(slices);
  std::uint64_t i = 0;
  for (double& seconds : slice_seconds) {
    const bench_clock::time_point start = bench_clock::now();
    for (const std::uint64_t end = i + per_slice; i < end; ++i) body(i);
    seconds = seconds_between(start, bench_clock::now());
  }
  return median_slice(std::move(slice_seconds), per_slice);
}

/// Slices of a stream whose completions arrive in batches (the cross-core hand-off): the thread
/// that counts completions calls advance() with its running total; every `per_slice` completions
/// close a slice. A batch that closes several slices at once shares its time among them.
class completion_slices {
 public:
  completion_slices(std::uint64_t total, std::uint64_t slices)
      : per_slice_(total / slices), next_(per_slice_) {
    seconds_.reserve(slices);
  }
  void start() { last_ = bench_clock::now(); }
  void advance(std::uint64_t completed) {
    if (completed < next_ || seconds_.size() == seconds_.capacity()) return;
    const bench_clock::time_point now = bench_clock::now();
    std::uint64_t closed = 0;
    for (; completed >= next_ && seconds_.size() + closed < seconds_.capacity(); next_ += per_slice_)
      ++closed;
    const double share = seconds_between(last_, now) / static_cast<double>(closed);
    seconds_.insert(seconds_.end(), closed, share);
    last_ = now;
  }
  measurement result() const { return median_slice(seconds_, per_slice_); }

 private:
  std::uint64_t per_slice_;
  std::uint64_t next_;
  bench_clock::time_point last_{};
  std::vector<double> seconds_;
};

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
