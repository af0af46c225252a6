#include <gtest/gtest.h>
#include <shardmq/net/endpoint_address.hpp>

#include <stdexcept>

namespace shardmq::net {
namespace {

TEST(endpoint_address, parses_ipv4_and_bracketed_ipv6) {
  const asio::ip::tcp::endpoint v4 = parse_endpoint("127.0.0.1:9100");
  EXPECT_EQ(v4.address().to_string(), "127.0.0.1");
  EXPECT_EQ(v4.port(), 9100);
  const asio::ip::tcp::endpoint v6 = parse_endpoint("[::1]:0");
  EXPECT_TRUE(v6.address().is_v6());
  EXPECT_EQ(v6.port(), 0);
}

TEST(endpoint_address, rejects_what_is_not_ip_and_port_with_the_expected_form) {
  for (const char* text : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:9x", "localhost:80",
                           "::1:80", "[::1]", ":80"}) {
    try {
      parse_endpoint(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find("expected IPv4:PORT"), std::string::npos) << error.what();
    }
  }
}

}  // namespace
}  // namespace shardmq::net
