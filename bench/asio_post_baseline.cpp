// Baseline (b): asio::post into another thread's io_context, one-way and ping-pong.

#include "cross_thread_baselines.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <atomic>
#include <vector>

namespace shardmq::bench {
namespace {

/// Receiver-side progress of a stream. The receiver writes `consumed`; the sender reads it only
/// when its window looks full, so the line moves once per window, not once per message.
struct alignas(64) stream_progress {
  std::atomic<std::uint64_t> consumed{0};
};

}  // namespace

measurement asio_post_stream(const pinned_pair& threads, std::uint64_t messages,
                             const stream_bounds& bounds) {
  const std::vector<stream_message> table = make_messages(bounds.capacity);
  asio::io_context receiver_io;
  auto keep_running = asio::make_work_guard(receiver_io);
  stream_progress progress;
  std::uint64_t sum = 0;  // receiver only
  bench_clock::time_point start;
  bench_clock::time_point end;
  threads.run(
      [&] {
        start = bench_clock::now();
        std::uint64_t consumed = 0;
        for (std::uint64_t i = 0; i < messages; ++i) {
          while (i - consumed >= bounds.capacity)
            consumed = progress.consumed.load(std::memory_order_acquire);
          const stream_message* message = &table[i % table.size()];
          asio::post(receiver_io, [&, message] {
            sum += message->payload;
            progress.consumed.store(sum, std::memory_order_release);
            if (sum == messages) {
              end = bench_clock::now();
              receiver_io.stop();
            }
          });
        }
      },
      [&] { receiver_io.run(); });
  return {seconds_between(start, end), messages};
}

measurement asio_post_ping_pong(const pinned_pair& threads, std::uint64_t round_trips) {
  asio::io_context sender_io;
  asio::io_context receiver_io;
  auto keep_sender = asio::make_work_guard(sender_io);
  auto keep_receiver = asio::make_work_guard(receiver_io);
  std::uint64_t completed = 0;  // sender only
  bench_clock::time_point start;
  bench_clock::time_point end;

  // ping runs on the sender and posts pong to the receiver, which posts ping back.
  struct hop {
    asio::io_context& sender_io;
    asio::io_context& receiver_io;
    std::uint64_t& completed;
    std::uint64_t round_trips;
    bench_clock::time_point& end;

    void ping() {
      asio::post(receiver_io, [this] { asio::post(sender_io, [this] { on_reply(); }); });
    }
    void on_reply() {
      if (++completed < round_trips) return ping();
      end = bench_clock::now();
      sender_io.stop();
      receiver_io.stop();
    }
  } hops{sender_io, receiver_io, completed, round_trips, end};

  threads.run(
      [&] {
        start = bench_clock::now();
        hops.ping();
        sender_io.run();
      },
      [&] { receiver_io.run(); });
  return {seconds_between(start, end), round_trips};
}

}  // namespace shardmq::bench
