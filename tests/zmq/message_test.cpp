// Frames keep small bodies inline and large ones as pool slices; messages keep three frames
// inline; moving either hands slices over without copying, across threads too.

#include <gtest/gtest.h>
#include <shardmq/alloc/buffer_pool.hpp>
#include <shardmq/net/zmq/message.hpp>

#include <string>
#include <thread>

namespace shardmq::net::zmq {
namespace {

alloc::buffer_pool_options small_pool() {
  alloc::buffer_pool_options options;
  options.warm_buffers = {8, 4, 2};
  options.pre_touch = false;
  return options;
}

std::uint64_t buffers_in_use(const alloc::buffer_pool& pool) {
  std::uint64_t total = 0;
  for (const auto& c : pool.stats().classes) total += c.in_use();
  return total;
}

TEST(frame, a_body_up_to_the_inline_capacity_lives_inside_the_frame) {
  const std::string body(frame::inline_capacity, 'x');
  frame part = frame::copy_of(body);
  EXPECT_FALSE(part.is_slice());
  EXPECT_EQ(part.text(), body);
  EXPECT_TRUE(frame().empty());
}

// Pools are bound to the test thread so released buffers return at once (unbound, the release
// would wait on the remote list for a drain).
TEST(frame, a_larger_body_is_a_slice_of_the_given_pool) {
  alloc::buffer_pool pool(small_pool());
  pool.bind_to_this_thread();
  const std::string body(frame::inline_capacity + 1, 'y');
  {
    frame part = frame::copy_of(body, &pool);
    EXPECT_TRUE(part.is_slice());
    EXPECT_EQ(part.text(), body);
    EXPECT_EQ(buffers_in_use(pool), 1u);
  }
  EXPECT_EQ(buffers_in_use(pool), 0u);
  alloc::buffer_pool::unbind_this_thread();
}

TEST(frame, a_large_copy_without_a_pool_is_a_clear_error) {
  EXPECT_THROW(frame::copy_of(std::string(100, 'z')), std::logic_error);
}

TEST(frame, moving_hands_the_slice_over_without_copying) {
  alloc::buffer_pool pool(small_pool());
  pool.bind_to_this_thread();
  frame a = frame::copy_of(std::string(1000, 'a'));
  const std::byte* where = a.data();
  frame b = std::move(a);
  EXPECT_EQ(b.data(), where);
  EXPECT_TRUE(a.empty());
  frame c;
  c = std::move(b);
  EXPECT_EQ(c.data(), where);
  EXPECT_EQ(c.size(), 1000u);
  c.reset();
  EXPECT_EQ(buffers_in_use(pool), 0u);
  alloc::buffer_pool::unbind_this_thread();
}

TEST(message, keeps_three_frames_inline_and_spills_the_fourth_in_order) {
  message m;
  for (int i = 0; i < 3; ++i) m.push_back(frame::copy_of(std::to_string(i)));
  EXPECT_EQ(m.size(), 3u);
  m.push_back(frame::copy_of(std::string("3")));
  m.push_back(frame::copy_of(std::string("4")));
  ASSERT_EQ(m.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(m[i].text(), std::to_string(i));
  EXPECT_TRUE(m.more_after(3));
  EXPECT_FALSE(m.more_after(4));
  EXPECT_EQ(m.payload_bytes(), 5u);
}

TEST(message, moving_leaves_the_source_empty_and_keeps_payload_addresses) {
  alloc::buffer_pool pool(small_pool());
  pool.bind_to_this_thread();
  message a;
  a.push_back(frame::copy_of(std::string(500, 'p'), &pool));
  a.push_back(frame());
  const std::byte* where = a[0].data();
  message b = std::move(a);
  EXPECT_TRUE(a.empty());
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].data(), where);
  for (int i = 0; i < 4; ++i) b.push_back(frame::copy_of(std::string("s")));
  message c;
  c = std::move(b);
  EXPECT_TRUE(b.empty());
  ASSERT_EQ(c.size(), 6u);
  EXPECT_EQ(c[0].data(), where);
  c.clear();
  EXPECT_EQ(buffers_in_use(pool), 0u);
  alloc::buffer_pool::unbind_this_thread();
}

TEST(message, dropped_on_another_thread_its_buffers_return_to_the_owner_pool) {
  alloc::buffer_pool pool(small_pool());
  pool.bind_to_this_thread();
  message m;
  m.push_back(frame::copy_of(std::string(4000, 'q')));
  m.push_back(frame::copy_of(std::string(9000, 'r')));
  std::thread other([moved = std::move(m)]() mutable {
    EXPECT_EQ(moved[1].size(), 9000u);
    moved.clear();  // released on a foreign thread: queued on the owner's remote list
  });
  other.join();
  pool.drain_remote_releases();
  EXPECT_EQ(buffers_in_use(pool), 0u);
  alloc::buffer_pool::unbind_this_thread();
}

}  // namespace
}  // namespace shardmq::net::zmq
