#pragma once
// The baselines submit_to is compared with: two plain threads pinned to the engine's two PUs
// moving pointers to messages through a mutex+condvar queue, through asio::post, or through a bare
// boost::lockfree::spsc_queue (the floor: no type erasure, no handler, no reply).

#include "measurement.hpp"
#include "pinned_pair.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace shardmq::bench {

/// What a baseline moves: a pointer to an immutable message. The receiver reads the payload
/// (as submit_to's target reads its work item), so every message costs a real cache-line transfer.
struct stream_message {
  std::uint64_t payload = 1;
};

/// `count` messages whose payloads add up to `count`: a receiver is done when its sum reaches the
/// number of messages sent, which also checks that nothing was lost.
inline std::vector<stream_message> make_messages(std::size_t count) {
  return std::vector<stream_message>(count);
}

/// Sizes that bound how far a sender may run ahead, equal on every side of a comparison.
struct stream_bounds {
  std::size_t capacity = 1024;  ///< queue slots, or messages in flight; engine_config::ring_capacity
  std::size_t push_batch = 16;  ///< SPSC floor: pointers per bulk push; engine_config::flush_batch
  std::size_t pop_batch = 128;  ///< SPSC floor: pointers per bulk pop; engine_config::inbound_batch
};

/// One-way stream through a bounded mutex + condition_variable ring: one message per lock, the
/// textbook blocking queue (push waits while full, pop waits while empty, both notify).
measurement mutex_queue_stream(const pinned_pair& threads, std::uint64_t messages,
                               const stream_bounds& bounds);

/// One-way stream of asio::post calls into the receiver's io_context (default concurrency hint,
/// as any multi-threaded user has it). The sender stops posting while `capacity` are unconsumed.
measurement asio_post_stream(const pinned_pair& threads, std::uint64_t messages, const stream_bounds& bounds);

/// One-way stream through a bare SPSC ring of pointers, pushed and popped in bulk, both sides
/// busy-polling: the floor for any cross-core queue on this machine.
measurement spsc_stream(const pinned_pair& threads, std::uint64_t messages, const stream_bounds& bounds);

/// Round trips of asio::post between two threads each running io_context::run(); the idle side
/// blocks in the io_context, so every hop wakes a sleeping thread.
measurement asio_post_ping_pong(const pinned_pair& threads, std::uint64_t round_trips);

/// Round trips through two bare SPSC rings, both threads busy-polling: the latency floor.
measurement spsc_ping_pong(const pinned_pair& threads, std::uint64_t round_trips);

}  // namespace shardmq::bench
