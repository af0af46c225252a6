// Zero heap allocations for the common paths, counted by tests/support/heap_counter: a small
// three-frame message encoded, decoded and moved; a large frame decoded out of a pool buffer.

#include <gtest/gtest.h>
#include <shardmq/alloc/buffer_pool.hpp>
#include <shardmq/net/zmq/message.hpp>
#include <shardmq/net/zmtp/frame_decoder.hpp>
#include <shardmq/net/zmtp/frame_encoder.hpp>

#include "heap_counter.hpp"

#include <array>
#include <cstring>
#include <string_view>

namespace shardmq::net::zmtp {
namespace {

TEST(message_allocation, a_small_message_round_trip_allocates_nothing) {
  alloc::buffer_pool pool;
  pool.bind_to_this_thread();
  frame_decoder decoder(pool);
  std::array<std::byte, 256> wire{};
  std::size_t checksum = 0;
  shardmq::testing::start_counting_allocations();
  for (int i = 0; i < 10'000; ++i) {
    zmq::message sent;
    sent.push_back(zmq::frame::copy_of(std::string_view("routing-id")));
    sent.push_back(zmq::frame());
    sent.push_back(zmq::frame::copy_of(std::string_view("a small request body of 32 bytes")));
    const std::size_t size = write_message(wire, sent);
    std::span<const std::byte> input(wire.data(), size);
    zmq::message received;
    decoded_frame out;
    while (decoder.decode(input, out) == decode_status::frame) received.push_back(std::move(out.body));
    zmq::message moved = std::move(received);
    checksum += moved.size() + moved.payload_bytes();
  }
  const std::uint64_t allocations = shardmq::testing::stop_counting_allocations();
  alloc::buffer_pool::unbind_this_thread();
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(checksum, 10'000u * (3 + 10 + 32));
}

TEST(message_allocation, a_large_frame_decoded_from_a_pool_buffer_allocates_nothing) {
  alloc::buffer_pool pool;
  pool.bind_to_this_thread();
  frame_decoder decoder(pool);
  std::array<std::byte, 1009> wire{};
  std::array<std::byte, 1000> body{};
  write_frame(wire, body, false);
  std::size_t checksum = 0;
  shardmq::testing::start_counting_allocations();
  for (int i = 0; i < 10'000; ++i) {
    alloc::slice received = pool.acquire(wire.size());
    std::memcpy(received.data(), wire.data(), wire.size());
    received.trim_back(received.size() - wire.size());
    decoded_frame out;
    zmq::message message;
    if (decoder.decode(received, out) == decode_status::frame) message.push_back(std::move(out.body));
    checksum += message.payload_bytes();
  }
  const std::uint64_t allocations = shardmq::testing::stop_counting_allocations();
  alloc::buffer_pool::unbind_this_thread();
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(checksum, 10'000u * 1000);
}

}  // namespace
}  // namespace shardmq::net::zmtp
