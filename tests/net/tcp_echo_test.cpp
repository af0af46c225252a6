// The echo service over real loopback TCP: every byte comes back for many connections with random
// sizes and split writes, on 1 and 2 cores, under each balance policy; placement counts stay exact.

#include "echo_server_fixture.hpp"

#include <asio/read.hpp>
#include <asio/write.hpp>

#include <gtest/gtest.h>

#include <random>

namespace shardmq::net {
namespace {

using testing::connect_to;
using testing::echo_server;

/// `rounds` times, on every connection: a random message in 1-3 split writes, then reading back
/// exactly as many bytes and comparing.
void echo_rounds(std::vector<asio::ip::tcp::socket>& sockets, int rounds, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<std::uint8_t> out, in;
  for (int round = 0; round < rounds; ++round) {
    for (auto& socket : sockets) {
      const std::size_t size = 1 + random() % 20'000;
      out.resize(size);
      for (auto& byte : out) byte = static_cast<std::uint8_t>(random());
      std::size_t sent = 0;
      const int pieces = 1 + static_cast<int>(random() % 3);
      for (int piece = 0; piece < pieces; ++piece) {
        const std::size_t chunk = piece + 1 == pieces ? size - sent : (size - sent) / 2;
        asio::write(socket, asio::buffer(out.data() + sent, chunk));
        sent += chunk;
      }
      in.assign(size, 0);
      asio::read(socket, asio::buffer(in));
      ASSERT_EQ(in, out) << "echo mismatch on a " << size << "-byte message";
    }
  }
}

class tcp_echo : public ::testing::TestWithParam<std::tuple<unsigned, balance_policy>> {};

TEST_P(tcp_echo, two_hundred_connections_get_every_byte_back) {
  const auto [cores, policy] = GetParam();
  SHARDMQ_REQUIRE_CORES(cores);
  echo_server server(cores, policy);
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> sockets;
  for (int i = 0; i < 200; ++i) sockets.push_back(connect_to(io, server.endpoint()));
  echo_rounds(sockets, 3, 1234 + cores);
  const auto counters = server.wait_for([](const std::vector<tcp_counters>& all) {
    std::uint64_t accepted = 0;
    for (const auto& c : all) accepted += c.accepted;
    return accepted == 200;
  });
  std::uint64_t accepted = 0, bytes_in = 0, bytes_out = 0;
  for (const auto& c : counters) {
    accepted += c.accepted;
    bytes_in += c.bytes_in;
    bytes_out += c.bytes_out;
    if (cores > 1) {
      EXPECT_GT(c.accepted, 0u) << "a core got no connection";
    }
  }
  EXPECT_EQ(accepted, 200u);
  EXPECT_EQ(bytes_in, bytes_out);
  sockets.clear();  // clients close: every connection ends with eof and is counted closed
  const auto after = server.wait_for([](const std::vector<tcp_counters>& all) {
    for (const auto& c : all)
      if (c.open() != 0) return false;
    return true;
  });
  for (unsigned core = 0; core < cores; ++core) {
    EXPECT_EQ(after[core].open(), 0u) << "core " << core;
    EXPECT_EQ(server.stack->open_connections(core), 0u) << "placement count of core " << core;
  }
}

INSTANTIATE_TEST_SUITE_P(cores_and_policies, tcp_echo,
                         ::testing::Values(std::make_tuple(1u, balance_policy::round_robin),
                                           std::make_tuple(2u, balance_policy::round_robin),
                                           std::make_tuple(2u, balance_policy::least_loaded),
                                           std::make_tuple(2u, balance_policy::reuseport)),
                         [](const ::testing::TestParamInfo<tcp_echo::ParamType>& info) {
                           std::string name = std::to_string(std::get<0>(info.param)) + "_cores_" +
                                              std::string(to_string(std::get<1>(info.param)));
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(tcp_balance, round_robin_gives_each_of_two_cores_its_share) {
  SHARDMQ_REQUIRE_CORES(2);
  echo_server server(2, balance_policy::round_robin);
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> sockets;
  for (int i = 0; i < 100; ++i) sockets.push_back(connect_to(io, server.endpoint()));
  const auto counters = server.wait_for(
      [](const std::vector<tcp_counters>& all) { return all[0].accepted + all[1].accepted == 100; });
  EXPECT_EQ(counters[0].accepted, 50u);
  EXPECT_EQ(counters[1].accepted, 50u);
}

TEST(tcp_balance, least_loaded_counts_stay_exact_under_churn) {
  SHARDMQ_REQUIRE_CORES(2);
  echo_server server(2, balance_policy::least_loaded);
  asio::io_context io;
  std::mt19937 random(7);
  std::vector<asio::ip::tcp::socket> sockets;
  for (int step = 0; step < 400; ++step) {
    if (sockets.empty() || random() % 3 != 0) {
      sockets.push_back(connect_to(io, server.endpoint()));
      // One byte through: the connection is placed and open before the next decision.
      std::uint8_t byte = 1;
      asio::write(sockets.back(), asio::buffer(&byte, 1));
      asio::read(sockets.back(), asio::buffer(&byte, 1));
    } else {
      sockets.erase(sockets.begin() + static_cast<long>(random() % sockets.size()));
    }
  }
  const std::uint64_t open = sockets.size();
  const auto counters = server.wait_for(
      [open](const std::vector<tcp_counters>& all) { return all[0].open() + all[1].open() == open; });
  ASSERT_EQ(counters[0].open() + counters[1].open(), open);
  for (unsigned core = 0; core < 2; ++core) {
    EXPECT_EQ(server.stack->open_connections(core), counters[core].open()) << "core " << core;
  }
  // Least-loaded keeps the cores within a connection or two of each other... up to the churn of
  // the closes, which it cannot undo; it must never be wildly off.
  const auto difference = static_cast<long>(counters[0].open()) - static_cast<long>(counters[1].open());
  EXPECT_LE(std::abs(difference), static_cast<long>(open / 2 + 2));
}

}  // namespace
}  // namespace shardmq::net
