// Zero heap allocations per async read + async write round on a loopback TCP connection whose
// operations use handler slots, counted by tests/support/heap_counter.

#include "echo_rounds.hpp"

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "heap_counter.hpp"

#include <atomic>
#include <cstdlib>

namespace shardmq::alloc {
namespace {

TEST(handler_slot_allocation, a_tcp_read_write_round_allocates_nothing_in_steady_state) {
  asio::io_context io(1);
  testing::loopback_tcp_pair tcp(io);
  auto& client = tcp.client;
  auto& server = tcp.server;
  {
    testing::echo_rounds<asio::ip::tcp::socket> warm{client, server, 1'000};
    warm.start();
    io.run();
    io.restart();
  }
  testing::echo_rounds<asio::ip::tcp::socket> echo{client, server, 10'000};
  shardmq::testing::start_counting_allocations();
  echo.start();
  io.run();
  const std::uint64_t allocations = shardmq::testing::stop_counting_allocations();
  EXPECT_EQ(echo.rounds_left, 0u);
  EXPECT_EQ(echo.mismatches, 0u);
  EXPECT_EQ(allocations, 0u) << "heap allocations during 10 000 read+write rounds";
  EXPECT_GE(echo.server_read.slot_uses(), 10'000u);
}

TEST(handler_slot_allocation, the_counter_sees_an_unslotted_round_allocate) {
  // Without slots Asio allocates each operation: proves the counter above can fail.
  asio::io_context io(1);
  testing::loopback_tcp_pair tcp(io);
  auto& client = tcp.client;
  auto& server = tcp.server;
  std::array<char, 8> out{}, in{};
  shardmq::testing::start_counting_allocations();
  for (int i = 0; i < 100; ++i) {
    asio::async_write(client, asio::buffer(out), [](std::error_code, std::size_t) {});
    asio::async_read(server, asio::buffer(in), [](std::error_code, std::size_t) {});
    io.run();
    io.restart();
  }
  EXPECT_GT(shardmq::testing::stop_counting_allocations(), 0u);
}

}  // namespace
}  // namespace shardmq::alloc
