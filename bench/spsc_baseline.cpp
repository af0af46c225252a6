// The floor: a bare boost::lockfree::spsc_queue of pointers, both sides busy-polling.

#include "cross_thread_baselines.hpp"

#include <boost/lockfree/spsc_queue.hpp>

#include <algorithm>
#include <vector>

namespace shardmq::bench {
namespace {

// The same ring type the engine's mesh uses (runtime capacity), carrying bare pointers.
using pointer_ring = boost::lockfree::spsc_queue<const stream_message*>;

}  // namespace

measurement spsc_stream(const pinned_pair& threads, std::uint64_t messages, const stream_bounds& bounds) {
  const std::vector<stream_message> table = make_messages(bounds.capacity);
  pointer_ring ring(bounds.capacity);
  bench_clock::time_point start;
  bench_clock::time_point end;
  threads.run(
      [&] {
        std::vector<const stream_message*> batch(bounds.push_batch);
        start = bench_clock::now();
        for (std::uint64_t sent = 0; sent < messages;) {
          const std::size_t count = std::min<std::uint64_t>(batch.size(), messages - sent);
          for (std::size_t i = 0; i < count; ++i) batch[i] = &table[(sent + i) % table.size()];
          for (std::size_t pushed = 0; pushed < count;)
            pushed += ring.push(batch.data() + pushed, count - pushed);
          sent += count;
        }
      },
      [&] {
        std::vector<const stream_message*> batch(bounds.pop_batch);
        std::uint64_t sum = 0;
        while (sum < messages) {
          const std::size_t count = ring.pop(batch.data(), batch.size());
          for (std::size_t i = 0; i < count; ++i) sum += batch[i]->payload;
        }
        end = bench_clock::now();
      });
  return {seconds_between(start, end), messages};
}

measurement spsc_ping_pong(const pinned_pair& threads, std::uint64_t round_trips) {
  const stream_message message;
  pointer_ring requests(16);
  pointer_ring replies(16);
  bench_clock::time_point start;
  bench_clock::time_point end;
  threads.run(
      [&] {
        start = bench_clock::now();
        const stream_message* reply = nullptr;
        for (std::uint64_t i = 0; i < round_trips; ++i) {
          requests.push(&message);
          while (!replies.pop(reply)) {
          }
        }
        end = bench_clock::now();
      },
      [&] {
        const stream_message* request = nullptr;
        for (std::uint64_t i = 0; i < round_trips; ++i) {
          while (!requests.pop(request)) {
          }
          replies.push(request);
        }
      });
  return {seconds_between(start, end), round_trips};
}

}  // namespace shardmq::bench
