// Handler slots on real sockets: operations that fit use the inline slot, the others the
// core_pool, and both give their memory back.

#include "echo_rounds.hpp"

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/connect_pair.hpp>
#include <asio/local/stream_protocol.hpp>

namespace shardmq::alloc {
namespace {

TEST(handler_slot, every_operation_of_a_socketpair_echo_uses_its_slot) {
  asio::io_context io(1);
  asio::local::stream_protocol::socket client(io), server(io);
  asio::local::connect_pair(client, server);
  testing::echo_rounds<asio::local::stream_protocol::socket> echo{client, server, 10'000};
  echo.start();
  io.run();
  EXPECT_EQ(echo.rounds_left, 0u);
  EXPECT_EQ(echo.mismatches, 0u);
  for (auto* slot : {&echo.client_read, &echo.client_write, &echo.server_read, &echo.server_write}) {
    EXPECT_GE(slot->slot_uses(), 10'000u);
    EXPECT_EQ(slot->pool_uses(), 0u) << "an operation did not fit its slot";
  }
}

TEST(handler_slot, a_handler_too_big_for_its_slot_is_served_by_the_core_pool) {
  core_pool pool;
  pool.bind_to_this_thread();
  {
    asio::io_context io(1);
    testing::loopback_tcp_pair tcp(io);
    auto& client = tcp.client;
    auto& server = tcp.server;
    handler_slot<64> small_slot;
    std::array<char, 16> out{"0123456789abcde"}, in{};
    int completed = 0;
    for (int round = 0; round < 100; ++round) {
      std::array<char, 256> ballast{};  // makes the handler larger than the slot
      asio::async_write(client, asio::buffer(out), [](std::error_code, std::size_t) {});
      asio::async_read(server, asio::buffer(in),
                       bind_slot(small_slot, [&completed, ballast](std::error_code e, std::size_t n) {
                         if (!e && n == 16) completed += 1 + ballast[0];
                       }));
      io.run();
      io.restart();
    }
    EXPECT_EQ(completed, 100);
    EXPECT_EQ(small_slot.slot_uses(), 0u);
    EXPECT_GE(small_slot.pool_uses(), 100u);
    EXPECT_EQ(in, out);
  }
  std::uint64_t allocations = 0, live = 0;
  for (const class_stats& c : pool.stats().classes) {
    allocations += c.allocations;
    live += c.live();
  }
  EXPECT_GE(allocations, 100u) << "the fallback did not come from the core_pool";
  EXPECT_EQ(live, 0u) << "fallback blocks were not returned";
  core_pool::unbind_this_thread();
}

}  // namespace
}  // namespace shardmq::alloc
