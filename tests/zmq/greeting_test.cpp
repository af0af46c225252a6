// The 64-byte greeting: ours byte for byte as libzmq 4.3 writes it, and the peer's read from any
// split, accepting 3.0, 3.1 and later, refusing older or garbage peers at the first telling byte.

#include <gtest/gtest.h>
#include <shardmq/net/zmtp/greeting.hpp>

#include "byte_dump.hpp"

namespace shardmq::net::zmtp {
namespace {

using testing::from_hex;
using testing::to_hex;

const std::vector<std::byte> libzmq_null_greeting = from_hex(
    "FF 00 00 00 00 00 00 00 01 7F 03 01 4E 55 4C 4C 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");

std::vector<std::byte> greeting_with(std::size_t offset, std::uint8_t value) {
  std::vector<std::byte> bytes = libzmq_null_greeting;
  bytes[offset] = std::byte{value};
  return bytes;
}

TEST(greeting, ours_is_byte_for_byte_what_libzmq_sends_for_null) {
  const auto ours = make_greeting();
  EXPECT_EQ(to_hex(ours), to_hex(libzmq_null_greeting));
}

TEST(greeting, reading_one_byte_at_a_time_accepts_a_3_1_peer) {
  greeting_reader reader;
  for (std::size_t i = 0; i < greeting_size; ++i) {
    EXPECT_FALSE(reader.done());
    EXPECT_EQ(reader.feed(std::span(libzmq_null_greeting).subspan(i, 1)), 1u);
  }
  ASSERT_TRUE(reader.done()) << reader.error().reason;
  EXPECT_EQ(reader.peer().major, 3);
  EXPECT_EQ(reader.peer().minor, 1);
  EXPECT_TRUE(reader.peer().speaks_3_1());
  EXPECT_EQ(reader.feed(libzmq_null_greeting), 0u) << "nothing is taken after the greeting";
}

TEST(greeting, leaves_the_bytes_after_the_greeting_to_the_frame_decoder) {
  std::vector<std::byte> stream = libzmq_null_greeting;
  stream.push_back(std::byte{0x04});
  greeting_reader reader;
  EXPECT_EQ(reader.feed(stream), greeting_size);
  EXPECT_TRUE(reader.done());
}

TEST(greeting, a_3_0_peer_is_accepted_without_3_1_commands) {
  greeting_reader reader;
  reader.feed(greeting_with(11, 0));
  ASSERT_TRUE(reader.done());
  EXPECT_FALSE(reader.peer().speaks_3_1());
}

TEST(greeting, a_higher_version_is_treated_as_3_1) {
  greeting_reader reader;
  reader.feed(greeting_with(10, 4));
  ASSERT_TRUE(reader.done());
  EXPECT_TRUE(reader.peer().speaks_3_1());
}

TEST(greeting, the_as_server_byte_and_padding_are_not_validated) {
  std::vector<std::byte> bytes = greeting_with(32, 1);
  bytes[3] = std::byte{0x55};
  bytes[50] = std::byte{0x66};
  greeting_reader reader;
  reader.feed(bytes);
  ASSERT_TRUE(reader.done());
  EXPECT_TRUE(reader.peer().as_server);
}

TEST(greeting, garbage_is_refused_at_the_first_byte) {
  greeting_reader reader;
  const auto garbage = from_hex("47 45 54 20 2F");  // "GET /"
  EXPECT_EQ(reader.feed(garbage), 1u);
  ASSERT_TRUE(reader.failed());
  EXPECT_EQ(reader.error().code, errc::not_zmtp);
  EXPECT_FALSE(reader.error().reason.empty());
}

TEST(greeting, an_unversioned_zmtp_1_0_peer_is_refused_at_byte_9) {
  greeting_reader reader;
  EXPECT_EQ(reader.feed(greeting_with(9, 0x7E)), 10u);
  EXPECT_EQ(reader.error().code, errc::not_zmtp);
}

TEST(greeting, zmtp_1_0_and_2_0_peers_are_refused_at_the_major_byte) {
  for (std::uint8_t major : {0, 1, 2}) {
    greeting_reader reader;
    EXPECT_EQ(reader.feed(greeting_with(10, major)), 11u) << int(major);
    EXPECT_EQ(reader.error().code, errc::unsupported_version) << int(major);
  }
}

TEST(greeting, another_mechanism_is_refused) {
  std::vector<std::byte> plain = libzmq_null_greeting;
  const auto name = testing::bytes_of("PLAIN");
  std::copy(name.begin(), name.end(), plain.begin() + 12);
  greeting_reader reader;
  EXPECT_EQ(reader.feed(plain), 32u);
  EXPECT_EQ(reader.error().code, errc::mechanism_mismatch);

  greeting_reader plain_reader("PLAIN");
  plain_reader.feed(plain);
  EXPECT_TRUE(plain_reader.done());
}

TEST(greeting, ending_inside_the_greeting_is_truncated) {
  greeting_reader reader;
  reader.feed(std::span(libzmq_null_greeting).first(40));
  EXPECT_FALSE(reader.failed());
  reader.finish();
  EXPECT_EQ(reader.error().code, errc::truncated);
}

}  // namespace
}  // namespace shardmq::net::zmtp
