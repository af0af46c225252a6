// Flow control and endings: a peer that never reads cannot make the server buffer without bound,
// a client vanishing mid-write costs nothing, idle connections hold no buffer, and an engine stop
// with connections open tears them down on their cores.

#include "echo_server_fixture.hpp"

#include <asio/read.hpp>
#include <asio/write.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>

namespace shardmq::net {
namespace {

using shardmq::testing::run_on;
using testing::connect_to;
using testing::echo_server;

/// Writes without blocking until the socket refuses for `patience` in a row; returns bytes sent.
std::size_t write_until_blocked(asio::ip::tcp::socket& socket, std::chrono::milliseconds patience,
                                std::size_t limit) {
  socket.non_blocking(true);
  std::vector<std::uint8_t> chunk(64 * 1024, 0x5a);
  std::size_t sent = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (sent < limit && std::chrono::steady_clock::now() - last_progress < patience) {
    std::error_code error;
    const std::size_t n = socket.write_some(asio::buffer(chunk), error);
    if (n > 0) {
      sent += n;
      last_progress = std::chrono::steady_clock::now();
    } else if (error == asio::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } else {
      break;
    }
  }
  return sent;
}

TEST(tcp_flow, a_peer_that_never_reads_stops_the_server_reading_instead_of_growing) {
  connection_options options;
  options.high_watermark = 256 * 1024;
  options.low_watermark = 64 * 1024;
  echo_server server(1, balance_policy::round_robin, options);
  asio::io_context io;
  auto socket = connect_to(io, server.endpoint());
  // Far more than the kernel's buffers in both directions plus the server's watermark.
  const std::size_t limit = 512u << 20;
  const std::size_t sent = write_until_blocked(socket, std::chrono::milliseconds(300), limit);
  EXPECT_LT(sent, limit) << "the server kept reading everything: no backpressure";
  const auto state = run_on(server.engine_, 0, [] { return this_reactor().snapshot_stats(); });
  const auto counters = server.counters(0);
  EXPECT_GE(counters.read_pauses, 1u);
  // What the server holds: at most the watermark plus one read's worth, in 16 KiB buffers.
  EXPECT_LE(state.buffers_in_use * 16 * 1024, options.high_watermark + 2 * 16 * 1024 + 64 * 1024)
      << state.buffers_in_use << " buffers held for a peer that does not read";
  // Once the client reads, everything it sent comes back, in order (it was all 0x5a).
  socket.non_blocking(false);
  std::vector<std::uint8_t> back(64 * 1024);
  std::size_t received = 0;
  while (received < sent) {
    const std::size_t n = socket.read_some(asio::buffer(back));
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(back[i], 0x5a);
    received += n;
  }
  EXPECT_EQ(received, sent);
}

TEST(tcp_flow, a_client_that_vanishes_mid_write_is_closed_and_counted) {
  echo_server server(1);
  asio::io_context io;
  {
    auto socket = connect_to(io, server.endpoint());
    write_until_blocked(socket, std::chrono::milliseconds(100), 64u << 20);
    // Reset instead of FIN: the server's next write fails with ECONNRESET or EPIPE.
    socket.set_option(asio::socket_base::linger(true, 0));
  }
  const auto after = server.wait_for([](const std::vector<tcp_counters>& all) { return all[0].closed == 1; });
  EXPECT_EQ(after[0].closed, 1u);
  EXPECT_EQ(after[0].open(), 0u);
  // The server carries on serving.
  auto socket = connect_to(io, server.endpoint());
  std::uint8_t byte = 7;
  asio::write(socket, asio::buffer(&byte, 1));
  asio::read(socket, asio::buffer(&byte, 1));
  EXPECT_EQ(byte, 7);
  const auto stats = run_on(server.engine_, 0, [] { return this_reactor().snapshot_stats(); });
  EXPECT_EQ(stats.buffers_in_use, 0u) << "buffers of the dead connection leaked";
}

TEST(tcp_flow, idle_connections_hold_no_buffer) {
  echo_server server(1);
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> sockets;
  for (int i = 0; i < 50; ++i) {
    sockets.push_back(connect_to(io, server.endpoint()));
    std::uint8_t byte = 1;
    asio::write(sockets.back(), asio::buffer(&byte, 1));
    asio::read(sockets.back(), asio::buffer(&byte, 1));
  }
  const auto stats = run_on(server.engine_, 0, [] { return this_reactor().snapshot_stats(); });
  EXPECT_EQ(server.counters(0).open(), 50u);
  EXPECT_EQ(stats.buffers_in_use, 0u) << "idle connections keep buffers";
}

TEST(tcp_flow, an_engine_stop_with_open_connections_closes_them_on_their_cores) {
  SHARDMQ_REQUIRE_CORES(2);
  auto server = std::make_unique<echo_server>(2);
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> sockets;
  for (int i = 0; i < 20; ++i) sockets.push_back(connect_to(io, server->endpoint()));
  server->wait_for(
      [](const std::vector<tcp_counters>& all) { return all[0].accepted + all[1].accepted == 20; });
  server.reset();  // engine stop with 20 open connections (ASan reports any leak)
  for (auto& socket : sockets) {
    std::uint8_t byte;
    std::error_code error;
    socket.read_some(asio::buffer(&byte, 1), error);
    EXPECT_TRUE(error == asio::error::eof || error == asio::error::connection_reset) << error.message();
  }
}

TEST(tcp_flow, destroying_the_stack_on_a_running_engine_closes_its_connections_first) {
  echo_server server(1);
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> sockets;
  for (int i = 0; i < 10; ++i) {
    sockets.push_back(connect_to(io, server.endpoint()));
    std::uint8_t byte = 1;
    asio::write(sockets.back(), asio::buffer(&byte, 1));
    asio::read(sockets.back(), asio::buffer(&byte, 1));
  }
  server.listener.reset();
  server.stack.reset();  // the engine keeps running; ASan reports a connection left dangling
  for (auto& socket : sockets) {
    std::uint8_t byte;
    std::error_code error;
    socket.read_some(asio::buffer(&byte, 1), error);
    EXPECT_TRUE(error == asio::error::eof || error == asio::error::connection_reset) << error.message();
  }
  EXPECT_TRUE(server.engine_.running());
}

TEST(tcp_listener, a_port_in_use_is_a_clear_error) {
  echo_server first(1);
  engine e(shardmq::testing::test_config(1));
  e.start();
  tcp_stack stack(e);
  tcp_listener second(stack, first.endpoint(),
                      [](tcp_connection&) { return std::make_unique<echo_handler>(); });
  EXPECT_THROW(second.start(), std::system_error);
  e.stop();
}

}  // namespace
}  // namespace shardmq::net
