// "host:port" parsing and the balance policy names.

#include <gtest/gtest.h>
#include <shardmq/net/balance_policy.hpp>
#include <shardmq/net/tcp_address.hpp>

namespace shardmq::net {
namespace {

TEST(tcp_address, parses_what_users_type) {
  EXPECT_EQ(format_tcp_address(parse_tcp_address("127.0.0.1:7000")), "127.0.0.1:7000");
  EXPECT_EQ(format_tcp_address(parse_tcp_address("[::1]:7000")), "[::1]:7000");
  EXPECT_EQ(format_tcp_address(parse_tcp_address("localhost:80")), "127.0.0.1:80");
  EXPECT_EQ(format_tcp_address(parse_tcp_address("*:9")), "0.0.0.0:9");
  EXPECT_EQ(parse_tcp_address("127.0.0.1:*").port(), 0);
  EXPECT_EQ(parse_tcp_address("127.0.0.1:0").port(), 0);
}

TEST(tcp_address, rejects_bad_input_with_a_message_that_names_it) {
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:7x", "example.com:80",
                          "300.1.1.1:80", ":-1", ":80", "::1:80", "[::1]", "[nope]:80"}) {
    try {
      (void)parse_tcp_address(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(balance_policy, names_round_trip_and_unknown_names_are_errors) {
  for (auto policy : {balance_policy::round_robin, balance_policy::least_loaded, balance_policy::reuseport}) {
    EXPECT_EQ(parse_balance_policy(to_string(policy)), policy);
  }
  EXPECT_EQ(parse_balance_policy("round-robin"), balance_policy::round_robin);
  EXPECT_THROW((void)parse_balance_policy("random"), std::invalid_argument);
}

}  // namespace
}  // namespace shardmq::net
