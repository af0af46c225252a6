#include "message_text.hpp"

#include <shardmq/alloc/buffer_pool.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace shardmq::cat {
namespace {

using net::zmq::frame;
using net::zmq::message;

message message_of(std::vector<std::string> parts) {
  message msg;
  for (const std::string& part : parts) msg.push_back(frame::copy_of(part));
  return msg;
}

std::vector<std::string> frames_of(const message& msg) {
  std::vector<std::string> parts;
  for (const frame& part : msg.frames()) parts.emplace_back(part.text());
  return parts;
}

std::string line_of(const message& msg, print_format format, line_layout layout = {}) {
  std::string out;
  append_message_line(out, msg, format, layout);
  return out;
}

/// Frames above 32 bytes come from the calling thread's buffer pool, as on a reactor.
class cat_message_text : public ::testing::Test {
 protected:
  static alloc::buffer_pool_options small_pool() {
    alloc::buffer_pool_options options;
    options.warm_buffers = {4, 1, 1};
    options.pre_touch = false;
    return options;
  }
  void SetUp() override { pool_.bind_to_this_thread(); }
  void TearDown() override { alloc::buffer_pool::unbind_this_thread(); }
  alloc::buffer_pool pool_{small_pool()};
};

TEST_F(cat_message_text, frames_print_with_the_separator_between_them) {
  EXPECT_EQ(line_of(message_of({"hello"}), print_format::text), "hello\n");
  EXPECT_EQ(line_of(message_of({"a", "", "bc"}), print_format::text), "a||bc\n");
  EXPECT_EQ(line_of(message_of({"a", "bc"}), print_format::text, {.separator = ','}), "a,bc\n");
  EXPECT_EQ(line_of(message_of({"AB", "\x01\xff"}), print_format::hex), "4142|01ff\n");
  EXPECT_EQ(line_of(message_of({"abc", "", std::string(100, 'x')}), print_format::len), "3|0|100\n");
  EXPECT_EQ(line_of(message{}, print_format::text), "\n");
}

TEST_F(cat_message_text, a_routing_id_prints_in_hex_whatever_the_format) {
  const line_layout router{.routing_id_first = true};
  EXPECT_EQ(line_of(message_of({std::string("\0\x80\0\0\x01", 5), "hi"}), print_format::text, router),
            "0x0080000001|hi\n");
  EXPECT_EQ(line_of(message_of({"id", "hi"}), print_format::len, router), "0x6964|2\n");
}

TEST_F(cat_message_text, a_line_is_one_frame_unless_multipart) {
  EXPECT_EQ(frames_of(message_of_line("a|b", {})), std::vector<std::string>{"a|b"});
  EXPECT_EQ(frames_of(message_of_line("", {})), std::vector<std::string>{""});
  EXPECT_EQ(frames_of(message_of_line("a|b||c", {.multipart = true})),
            (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(frames_of(message_of_line("|x", {.multipart = true})), (std::vector<std::string>{"", "x"}));
  const std::string big(5000, 'z');
  EXPECT_EQ(frames_of(message_of_line(big + ";y", {.separator = ';', .multipart = true})),
            (std::vector<std::string>{big, "y"}));
}

TEST_F(cat_message_text, a_router_line_starts_with_the_routing_id) {
  const line_layout router{.routing_id_first = true};
  EXPECT_EQ(frames_of(message_of_line("0x0080000001|hello|world", router)),
            (std::vector<std::string>{std::string("\0\x80\0\0\x01", 5), "hello|world"}));
  EXPECT_EQ(frames_of(message_of_line("peer|a|b", {.multipart = true, .routing_id_first = true})),
            (std::vector<std::string>{"peer", "a", "b"}));
  EXPECT_THROW(message_of_line("no id here", router), std::invalid_argument);
  EXPECT_THROW(message_of_line("0x123|body", router), std::invalid_argument);
  EXPECT_THROW(message_of_line("|body", router), std::invalid_argument);
}

TEST_F(cat_message_text, what_a_router_prints_it_reads_back) {
  const line_layout router{.routing_id_first = true};
  const message original = message_of({std::string("\0\x01\x02\xfe", 4), "payload"});
  std::string line = line_of(original, print_format::text, router);
  line.pop_back();  // the newline
  EXPECT_EQ(frames_of(message_of_line(line, router)), frames_of(original));
}

TEST(cat_routing_id, text_or_0x_hex) {
  EXPECT_EQ(parse_routing_id("abc"), "abc");
  EXPECT_EQ(parse_routing_id("0x00ff"), std::string("\0\xff", 2));
  EXPECT_EQ(parse_routing_id("0xABcd"), std::string("\xab\xcd"));
  EXPECT_EQ(parse_routing_id(""), std::nullopt);
  EXPECT_EQ(parse_routing_id("0x"), std::nullopt);
  EXPECT_EQ(parse_routing_id("0xabc"), std::nullopt);
  EXPECT_EQ(parse_routing_id("0xzz"), std::nullopt);
}

TEST_F(cat_message_text, generated_messages_carry_their_number_padded_to_the_size) {
  std::string scratch;
  EXPECT_EQ(frames_of(generated_message(42, 8, scratch)), std::vector<std::string>{"42......"});
  EXPECT_EQ(frames_of(generated_message(12345, 3, scratch)), std::vector<std::string>{"123"});
  EXPECT_EQ(frames_of(generated_message(7, 0, scratch)), std::vector<std::string>{""});
  EXPECT_EQ(generated_message(1, 70000, scratch)[0].size(), 70000u);
}

}  // namespace
}  // namespace shardmq::cat
