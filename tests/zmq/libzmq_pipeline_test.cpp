// PUSH and PULL between our sockets and libzmq's, both directions and both binders: every size,
// buffer boundaries, many frames, high-water marks of one, long ordered streams.

#include "libzmq_peer.hpp"

#include <gtest/gtest.h>

namespace shardmq::net::zmq::testing {
namespace {

using namespace std::chrono_literals;

// --- PUSH and PULL ------------------------------------------------------------------------------

/// Which side pushes.
struct pipeline {
  const char* name;
  bool ours_pushes;
};

std::ostream& operator<<(std::ostream& out, const pipeline& p) { return out << p.name; }

const pipeline pipelines[] = {{"ours_push_to_libzmq_pull", true}, {"libzmq_push_to_ours_pull", false}};

/// Sends every message from the pusher; the puller checks each in order.
void push_all(const pipeline& p, binder b, const std::vector<frames>& messages, std::uint32_t hwm = 0) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  socket_options options;
  if (hwm != 0) options.sndhwm = options.rcvhwm = hwm;
  zmq::socket ours = world.make(0, p.ours_pushes ? socket_type::push : socket_type::pull, options);
  libzmq_socket theirs(context, p.ours_pushes ? ZMQ_PULL : ZMQ_PUSH);
  if (hwm != 0) {
    theirs.set(ZMQ_SNDHWM, static_cast<int>(hwm));
    theirs.set(ZMQ_RCVHWM, static_cast<int>(hwm));
  }
  link(world, ours, theirs, b);
  std::future<void> done;
  if (p.ours_pushes) {
    done = start_ours(world, [&]() -> asio::awaitable<void> {
      for (const frames& m : messages) co_await ours.async_send(to_message(m), asio::use_awaitable);
    });
    for (std::size_t i = 0; i < messages.size(); ++i) {
      std::optional<frames> m = theirs.receive();
      if (!m) break;
      const ::testing::AssertionResult same = same_frames(*m, messages[i]);
      if (!same) {
        ADD_FAILURE() << "libzmq, message " << i << ": " << same.message();
        break;
      }
    }
  } else {
    done = start_ours(world, [&]() -> asio::awaitable<void> {
      for (std::size_t i = 0; i < messages.size(); ++i) {
        message m = co_await ours.async_receive(asio::use_awaitable);
        const ::testing::AssertionResult same = same_frames(texts(m), messages[i]);
        if (!same) {
          ADD_FAILURE() << "ours, message " << i << ": " << same.message();
          co_return;
        }
      }
    });
    for (const frames& m : messages) {
      if (!theirs.send(m)) break;
    }
  }
  if (!finish(world, done, ours)) return;
  world.on(0, [&] {
    const socket_stats& stats = ours.stats();
    EXPECT_EQ(p.ours_pushes ? stats.messages_out : stats.messages_in, messages.size());
    EXPECT_EQ(stats.protocol_errors, 0u);
    EXPECT_EQ(stats.disconnects, 0u);
  });
}

class libzmq_pipeline : public ::testing::TestWithParam<std::tuple<pipeline, binder>> {};

TEST_P(libzmq_pipeline, every_size_arrives_intact) {
  const auto& [p, b] = GetParam();
  push_all(p, b, single_frame_bodies());
}

TEST_P(libzmq_pipeline, five_frame_messages_arrive_whole) {
  const auto& [p, b] = GetParam();
  std::vector<frames> messages;
  for (std::size_t seed = 0; seed < 3; ++seed) messages.push_back(five_frames(seed));
  push_all(p, b, messages);
}

TEST_P(libzmq_pipeline, sizes_around_our_buffer_boundaries_arrive_intact) {
  const auto& [p, b] = GetParam();
  // Our inline frame limit (32), the write batch's copy limit (8 KiB), the batch and read buffer
  // (16 KiB), the largest pooled buffer (64 KiB), and an oversized one.
  const std::size_t boundaries[] = {31,    32,    33,    8191,  8192,
                                    8193,  16383, 16384, 16385, 65535,
                                    65536, 65537, 16000, 24000, 2 * 1024 * 1024 + 3};
  std::vector<frames> messages;
  for (std::size_t i = 0; i < std::size(boundaries); ++i) {
    messages.push_back(frames(1, pattern(boundaries[i], i)));
  }
  push_all(p, b, messages);
}

TEST_P(libzmq_pipeline, a_message_of_two_hundred_frames_arrives_whole) {
  const auto& [p, b] = GetParam();
  // More frames than one gathered write takes (64 buffers), big and small ones mixed.
  frames parts;
  for (std::size_t i = 0; i < 200; ++i) parts.push_back(pattern(i % 3 == 0 ? 9000 + i : i % 40, i));
  std::vector<frames> messages(2, parts);
  push_all(p, b, messages);
}

TEST_P(libzmq_pipeline, high_water_marks_of_one_lose_and_reorder_nothing) {
  const auto& [p, b] = GetParam();
  // Every message waits for room on both sides: our sends and reads stop and resume constantly,
  // with many messages in one read.
  std::vector<frames> messages;
  for (int i = 0; i < 5000; ++i) messages.push_back(i % 100 == 0 ? five_frames(i) : sequence_body(i));
  push_all(p, b, messages, 1);
}

TEST_P(libzmq_pipeline, a_hundred_thousand_messages_arrive_in_order) {
  const auto& [p, b] = GetParam();
  std::vector<frames> messages;
  messages.reserve(stream_length);
  for (int i = 0; i < stream_length; ++i) messages.push_back(sequence_body(i));
  push_all(p, b, messages);
}

std::string pipeline_name(const ::testing::TestParamInfo<std::tuple<pipeline, binder>>& info) {
  return std::string(std::get<0>(info.param).name) + "_" + binder_name(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(directions, libzmq_pipeline,
                         ::testing::Combine(::testing::ValuesIn(pipelines),
                                            ::testing::Values(binder::ours, binder::libzmq)),
                         pipeline_name);

}  // namespace
}  // namespace shardmq::net::zmq::testing
