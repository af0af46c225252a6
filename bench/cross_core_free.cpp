// Objects allocated on one core and freed on the other: the path a message takes when its buffer is
// released by the core that consumed it.

#include "alloc_scenarios.hpp"
#include "alloc_timing_loops.hpp"
#include "optimizer_escape.hpp"

#include <boost/lockfree/spsc_queue.hpp>

#include <algorithm>
#include <array>

namespace shardmq::bench {
namespace {

using pointer_ring = boost::lockfree::spsc_queue<void*>;

/// Sender side, shared by ours and the baselines: allocate up to a push batch (never more than
/// the ring can take, so a push never fails half-way), write a byte in each, push them.
template <class Allocate>
std::uint64_t allocate_and_push(pointer_ring& ring, std::uint64_t remaining, std::size_t size,
                                Allocate&& allocate) {
  const std::size_t count =
      std::min<std::uint64_t>({cross_core_push_batch, remaining, ring.write_available()});
  std::array<void*, cross_core_push_batch> batch;
  for (std::size_t i = 0; i < count; ++i) {
    batch[i] = allocate(size);
    touch_and_escape(batch[i], static_cast<unsigned char>(remaining - i));
  }
  return count == 0 ? 0 : ring.push(batch.data(), count);
}

/// Receiver side: pop and free until `objects` have been freed; reports each batch to `freed_so_far`.
template <class Deallocate, class Progress>
void pop_and_free(pointer_ring& ring, std::uint64_t objects, Deallocate&& deallocate,
                  Progress&& freed_so_far) {
  std::array<void*, cross_core_pop_batch> batch;
  for (std::uint64_t freed = 0; freed < objects;) {
    const std::size_t count = ring.pop(batch.data(), batch.size());
    for (std::size_t i = 0; i < count; ++i) deallocate(batch[i]);
    freed += count;
    freed_so_far(freed);
  }
}

/// Slices of at least four windows each, so that one drained batch (at most about a window) never
/// spans more than one slice boundary in a full run; at most timed_slices.
std::uint64_t slices_for(std::uint64_t objects) {
  return std::clamp<std::uint64_t>(objects / (4 * cross_core_window), 1, timed_slices);
}

}  // namespace

measurement cross_core_free_core_pool(const pinned_pair& threads, std::uint64_t objects, std::size_t size) {
  alloc::core_pool pool;
  pointer_ring ring(cross_core_window);
  completion_slices slices(objects, slices_for(objects));
  threads.run(
      [&] {
        pool.bind_to_this_thread();
        const std::size_t bytes = opaque(size);
        slices.start();
        std::uint64_t sent = 0;
        // Counted from the pool's own statistics, because allocate() may drain remote frees
        // itself. Bounded: the receiver frees everything that is sent, and every freed object comes
        // back through the remote-free stack, so the count reaches `objects`.
        const alloc::class_stats& counters = pool.stats().classes[alloc::size_classes::class_of(size)];
        while (counters.remote_frees < objects) {
          sent += allocate_and_push(ring, objects - sent, bytes,
                                    [&pool](std::size_t n) { return pool.allocate(n); });
          pool.drain_remote_frees();  // once per "turn", as the reactor does
          slices.advance(counters.remote_frees);
        }
        alloc::core_pool::unbind_this_thread();
      },
      [&] {
        pop_and_free(
            ring, objects, [](void* p) { alloc::core_pool::deallocate(p); }, [](std::uint64_t) {});
      });
  return slices.result();
}

measurement cross_core_free_baseline(const pinned_pair& threads, const allocator_baseline& allocator,
                                     std::uint64_t objects, std::size_t size) {
  pointer_ring ring(cross_core_window);
  completion_slices slices(objects, slices_for(objects));
  threads.run(
      [&] {
        const std::size_t bytes = opaque(size);
        for (std::uint64_t sent = 0; sent < objects;) {
          sent += allocate_and_push(ring, objects - sent, bytes, allocator.allocate);
        }
      },
      [&] {
        // Both threads leave the start gate together: the receiver's start is the sender's.
        slices.start();
        pop_and_free(ring, objects, allocator.deallocate,
                     [&](std::uint64_t freed) { slices.advance(freed); });
      });
  return slices.result();
}

}  // namespace shardmq::bench
