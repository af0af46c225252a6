// The request head decisions (complete, 400, 431) byte by byte, without sockets.

#include "http_request_reader.hpp"

#include <gtest/gtest.h>

namespace shardmq::net::detail {
namespace {

using state = http_request_reader::state;

TEST(http_request_reader, any_split_of_the_request_gives_the_same_head) {
  const std::string request = "GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9100\r\nAccept: */*\r\n\r\n";
  for (std::size_t split = 0; split <= request.size(); ++split) {
    http_request_reader reader(8192);
    EXPECT_EQ(reader.feed(request.substr(0, split)),
              split == request.size() ? state::complete : state::reading);
    ASSERT_EQ(reader.feed(request.substr(split)), state::complete) << "split at " << split;
    EXPECT_EQ(reader.method(), "GET");
    EXPECT_EQ(reader.path(), "/metrics");
  }
  http_request_reader one_byte_at_a_time(8192);
  for (char c : request) one_byte_at_a_time.feed(std::string_view(&c, 1));
  EXPECT_EQ(one_byte_at_a_time.current(), state::complete);
}

TEST(http_request_reader, stops_at_the_head_and_ignores_what_follows) {
  http_request_reader reader(8192);
  EXPECT_EQ(reader.feed("POST /stats HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGARBAGE"), state::complete);
  EXPECT_EQ(reader.method(), "POST");
  EXPECT_EQ(reader.feed("more garbage"), state::complete);
}

TEST(http_request_reader, garbage_and_bad_request_lines_are_malformed) {
  for (std::string_view bytes :
       {std::string_view("\x16\x03\x01\x00", 4), std::string_view("HELLO\r\n\r\n"),
        std::string_view("GET /stats HTTP/1.1 extra\r\n\r\n"), std::string_view("GET\r\n\r\n")}) {
    http_request_reader reader(8192);
    EXPECT_EQ(reader.feed(bytes), state::malformed) << bytes;
    EXPECT_FALSE(reader.error().empty());
  }
}

TEST(http_request_reader, a_head_longer_than_the_limit_is_too_large_whatever_the_split) {
  const std::string head = "GET / HTTP/1.1\r\nX: " + std::string(200, 'a') + "\r\n\r\n";
  http_request_reader exact(head.size());
  EXPECT_EQ(exact.feed(head), state::complete);
  http_request_reader short_by_one(head.size() - 1);
  EXPECT_EQ(short_by_one.feed(head), state::head_too_large);
  http_request_reader bytewise(64);
  for (char c : head) bytewise.feed(std::string_view(&c, 1));
  EXPECT_EQ(bytewise.current(), state::head_too_large);
}

}  // namespace
}  // namespace shardmq::net::detail
