// The frame encoder against zmtp.md's layouts, and the decoder: same frames for every split of a
// stream (one byte at a time included, from spans and from slices), whole large bodies shared
// out of the receive buffer, and each bad input a clear error.

#include <gtest/gtest.h>
#include <shardmq/net/zmtp/frame_decoder.hpp>
#include <shardmq/net/zmtp/frame_encoder.hpp>

#include "byte_dump.hpp"
#include "frame_stream.hpp"

#include <cstring>
#include <string>

namespace shardmq::net::zmtp {
namespace {

using testing::bytes_of;
using testing::decode_all;
using testing::decoded;
using testing::from_hex;
using testing::to_hex;

std::string encoded(std::span<const std::byte> body, bool more, bool command = false) {
  std::vector<std::byte> out(encoded_frame_size(body.size()));
  EXPECT_EQ(write_frame(out, body, more, command), out.size());
  return to_hex(out);
}

TEST(frame_encoder, uses_the_short_form_up_to_255_bytes_and_the_long_form_above) {
  EXPECT_EQ(encoded({}, false), "00 00");
  EXPECT_EQ(encoded(bytes_of("AB"), true), "01 02 41 42");
  const std::string b255(255, 'x');
  EXPECT_EQ(encoded(bytes_of(b255), false).substr(0, 5), "00 FF");
  EXPECT_EQ(to_hex(make_frame_header(256, false).span()), "02 00 00 00 00 00 00 01 00");
  EXPECT_EQ(to_hex(make_frame_header(256, true).span()), "03 00 00 00 00 00 00 01 00");
  EXPECT_EQ(to_hex(make_frame_header(5, false, true).span()), "04 05");
  EXPECT_EQ(to_hex(make_frame_header(300, false, true).span()), "06 00 00 00 00 00 00 01 2C");
  EXPECT_EQ(encoded_frame_size(255), 257u);
  EXPECT_EQ(encoded_frame_size(256), 265u);
}

TEST(frame_encoder, a_message_sets_more_on_every_frame_but_the_last) {
  zmq::message m;
  m.push_back(zmq::frame::copy_of(std::string("id")));
  m.push_back(zmq::frame());
  m.push_back(zmq::frame::copy_of(std::string("x")));
  std::vector<std::byte> out(encoded_message_size(m));
  EXPECT_EQ(write_message(out, m), out.size());
  EXPECT_EQ(to_hex(out), "01 02 69 64 01 00 00 01 78");
  std::vector<std::byte> small(out.size() - 1);
  EXPECT_THROW(write_message(small, m), std::length_error);
}

TEST(frame_decoder, reads_the_short_long_and_command_frames_of_zmtp_md) {
  alloc::buffer_pool pool;
  const std::string big(300, 'L');
  std::vector<std::byte> stream =
      from_hex("01 02 41 42  02 00 00 00 00 00 00 00 01 43  04 07 04 50 49 4E 47 00 00");
  const auto long_header = make_frame_header(big.size(), false);
  stream.insert(stream.end(), long_header.span().begin(), long_header.span().end());
  const auto b = bytes_of(big);
  stream.insert(stream.end(), b.begin(), b.end());
  const std::vector<decoded> frames = decode_all(pool, stream);
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[0], (decoded{"AB", true, false}));
  EXPECT_EQ(frames[1], (decoded{"C", false, false})) << "long form accepted for a small body";
  EXPECT_EQ(frames[2], (decoded{std::string("\x04PING\0\0", 7), false, true}));
  EXPECT_EQ(frames[3], (decoded{big, false, false}));
}

TEST(frame_decoder, every_split_of_a_stream_gives_the_same_frames) {
  alloc::buffer_pool pool;
  pool.bind_to_this_thread();
  const std::vector<std::byte> stream = testing::sample_stream();
  const std::vector<decoded> whole = decode_all(pool, stream);
  ASSERT_EQ(whole.size(), testing::sample_stream_frames);
  EXPECT_EQ(decode_all(pool, stream, 1), whole) << "one byte at a time";
  EXPECT_EQ(testing::decode_slices(pool, stream, 1), whole) << "one byte per slice";
  for (std::size_t cut = 1; cut < stream.size(); ++cut) {
    ASSERT_EQ(testing::decode_two_parts(pool, stream, cut, false), whole) << "span cut at " << cut;
    ASSERT_EQ(testing::decode_two_parts(pool, stream, cut, true), whole) << "slice cut at " << cut;
  }
  for (std::size_t chunk : {2, 3, 7, 64, 255, 256, 1000}) {
    EXPECT_EQ(decode_all(pool, stream, chunk), whole) << chunk;
    EXPECT_EQ(testing::decode_slices(pool, stream, chunk), whole) << chunk;
  }
  alloc::buffer_pool::unbind_this_thread();
}

TEST(frame_decoder, a_whole_large_body_is_a_share_of_the_receive_buffer) {
  alloc::buffer_pool pool;
  pool.bind_to_this_thread();
  std::vector<std::byte> stream(encoded_frame_size(1000));
  std::vector<std::byte> body(1000, std::byte{'b'});
  write_frame(stream, body, false);
  alloc::slice received = pool.acquire(stream.size());
  std::memcpy(received.data(), stream.data(), stream.size());
  received.trim_back(received.size() - stream.size());
  const std::byte* buffer = received.data();
  frame_decoder decoder(pool);
  decoded_frame out;
  ASSERT_EQ(decoder.decode(received, out), decode_status::frame);
  EXPECT_TRUE(out.body.is_slice());
  EXPECT_EQ(out.body.data(), buffer + 9) << "no copy: the body points into the received buffer";
  EXPECT_EQ(out.body.size(), 1000u);
  EXPECT_TRUE(received.empty());
  alloc::buffer_pool::unbind_this_thread();
}

TEST(frame_decoder, a_command_with_more_is_bad_flags) {
  alloc::buffer_pool pool;
  frame_decoder decoder(pool);
  const auto bytes = from_hex("05 00");
  std::span<const std::byte> input(bytes);
  decoded_frame out;
  EXPECT_EQ(decoder.decode(input, out), decode_status::error);
  EXPECT_EQ(decoder.error().code, errc::bad_flags);
  EXPECT_EQ(decoder.decode(input, out), decode_status::error) << "the decoder stays failed";
}

TEST(frame_decoder, reserved_flag_bits_are_ignored_like_libzmq_unless_asked_to_reject) {
  alloc::buffer_pool pool;
  const auto bytes = from_hex("F8 01 41");
  EXPECT_EQ(decode_all(pool, bytes), (std::vector<decoded>{{"A", false, false}}));
  frame_decoder strict(pool, {.max_frame_size = 0, .reject_reserved_flags = true});
  std::span<const std::byte> input(bytes);
  decoded_frame out;
  EXPECT_EQ(strict.decode(input, out), decode_status::error);
  EXPECT_EQ(strict.error().code, errc::bad_flags);
}

TEST(frame_decoder, a_frame_above_maxmsgsize_is_refused_from_its_header) {
  alloc::buffer_pool pool;
  frame_decoder decoder(pool, {.max_frame_size = 100});
  const auto bytes = from_hex("00 64 02 00 00 00 00 00 00 00 65");
  std::span<const std::byte> input(bytes);
  decoded_frame out;
  EXPECT_EQ(decoder.decode(input, out), decode_status::need_more) << "100 bytes are allowed";
  input = std::span<const std::byte>(bytes).subspan(2);
  frame_decoder fresh(pool, {.max_frame_size = 100});
  EXPECT_EQ(fresh.decode(input, out), decode_status::error);
  EXPECT_EQ(fresh.error().code, errc::frame_too_large);

  frame_decoder unlimited(pool);
  const auto huge = from_hex("02 80 00 00 00 00 00 00 00");
  std::span<const std::byte> huge_input(huge);
  EXPECT_EQ(unlimited.decode(huge_input, out), decode_status::error);
  EXPECT_EQ(unlimited.error().code, errc::frame_too_large) << "size with the top bit set";
}

TEST(frame_decoder, ending_inside_a_frame_is_truncated_and_between_frames_is_clean) {
  alloc::buffer_pool pool;
  for (const char* dump : {"00", "02 00 00", "00 05 41 42"}) {
    frame_decoder decoder(pool);
    const auto bytes = from_hex(dump);
    std::span<const std::byte> input(bytes);
    decoded_frame out;
    EXPECT_EQ(decoder.decode(input, out), decode_status::need_more) << dump;
    EXPECT_TRUE(decoder.mid_frame());
    EXPECT_EQ(decoder.finish().code, errc::truncated) << dump;
  }
  frame_decoder decoder(pool);
  EXPECT_FALSE(decoder.finish());
}

}  // namespace
}  // namespace shardmq::net::zmtp
