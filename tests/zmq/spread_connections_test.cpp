// A socket whose accepted connections are spread over two cores (socket_options::spread): the
// connections placed on the other core are served there and reach the socket through SPSC
// rings. Real libzmq peers; nothing lost or reordered, replies routed back, high-water marks
// and linger kept across the hop.

#include "libzmq_peer.hpp"

#include <gtest/gtest.h>

#include <shardmq/net/tcp_stack.hpp>

namespace shardmq::net::zmq::testing {
namespace {

socket_options spread_options() {
  socket_options options;
  options.spread = balance_policy::round_robin;
  return options;
}

/// Connections the TCP stack accepted on `core` so far.
std::uint64_t accepted_on(socket_world& world, unsigned core) {
  return world.on(core, [&] { return world.stack->counters().accepted; });
}

/// Receives `count` messages on core 0 (bounded by wait_ms per message).
std::vector<message> receive_all(socket_world& world, zmq::socket& s, int count) {
  std::vector<message> got;
  auto done = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < count; ++i) got.push_back(co_await s.async_receive(asio::use_awaitable));
  });
  finish(world, done, s);
  return got;
}

TEST(zmq_spread_connections, a_pull_takes_every_sender_in_order_from_both_cores) {
  socket_world world(2);
  zmq::socket pull = world.make(0, socket_type::pull, spread_options());
  const std::string endpoint = world.on(0, [&] {
    pull.bind("tcp://127.0.0.1:*");
    return pull.last_endpoint();
  });
  const std::uint64_t before[] = {accepted_on(world, 0), accepted_on(world, 1)};
  constexpr int senders = 4;
  constexpr int per_sender = 5000;
  libzmq_context context;
  auto pushers = connected_peers(context, ZMQ_PUSH, senders, endpoint);
  ASSERT_TRUE(eventually([&] { return world.on(0, [&] { return pull.stats().peers; }) == senders; }));
  EXPECT_EQ(accepted_on(world, 0) - before[0], 2u);
  EXPECT_EQ(accepted_on(world, 1) - before[1], 2u) << "no connection was served on the other core";
  ASSERT_TRUE(send_numbered_streams(pushers, per_sender, "p"));
  const std::vector<message> got = receive_all(world, pull, senders * per_sender);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(senders * per_sender));
  std::map<std::string, int> next;
  for (const message& m : got) {
    const std::string text(m[0].text());
    const std::string sender = text.substr(0, text.find(' '));
    EXPECT_EQ(std::stoi(text.substr(text.find(' ') + 1)), next[sender]++) << sender;
  }
  EXPECT_EQ(next.size(), static_cast<std::size_t>(senders));
  world.on(0, [&] { pull.close(); });
}

TEST(zmq_spread_connections, a_router_answers_dealers_on_both_cores_with_every_size) {
  socket_world world(2);
  zmq::socket router = world.make(0, socket_type::router, spread_options());
  const std::string endpoint = world.on(0, [&] {
    router.bind("tcp://127.0.0.1:*");
    return router.last_endpoint();
  });
  constexpr int dealers = 2;  // round-robin: one on each core
  libzmq_context context;
  auto peers = connected_peers(context, ZMQ_DEALER, dealers, endpoint, "d");
  ASSERT_TRUE(eventually([&] { return world.on(0, [&] { return router.stats().peers; }) == dealers; }));
  const std::vector<frames> bodies = single_frame_bodies();
  const int total = dealers * static_cast<int>(bodies.size() + 1);
  // Echo every request ([id][body...]) back as it came.
  auto ours = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < total; ++i) {
      message m = co_await router.async_receive(asio::use_awaitable);
      co_await router.async_send(std::move(m), asio::use_awaitable);
    }
  });
  for (int i = 0; i < dealers; ++i) {
    for (const frames& body : bodies) ASSERT_TRUE(peers[i]->send(body));
    ASSERT_TRUE(peers[i]->send(five_frames(i)));
  }
  for (int i = 0; i < dealers; ++i) {
    for (const frames& body : bodies) {
      const std::optional<frames> reply = peers[i]->receive();
      ASSERT_TRUE(reply.has_value());
      EXPECT_TRUE(same_frames(*reply, body)) << "dealer " << i;
    }
    const std::optional<frames> reply = peers[i]->receive();
    ASSERT_TRUE(reply.has_value());
    EXPECT_TRUE(same_frames(*reply, five_frames(i))) << "dealer " << i;
  }
  ASSERT_TRUE(finish(world, ours, router));
  EXPECT_EQ(world.on(0, [&] { return router.stats().drops; }), 0u);
  world.on(0, [&] { router.close(); });
}

TEST(zmq_spread_connections, a_full_receive_pipe_holds_the_far_connection_back_without_loss) {
  socket_world world(2);
  socket_options options = spread_options();
  options.rcvhwm = 10;  // the ring and the relay's pipe hold 10 each: the sender must wait
  zmq::socket pull = world.make(0, socket_type::pull, options);
  const std::string endpoint = world.on(0, [&] {
    pull.bind("tcp://127.0.0.1:*");
    return pull.last_endpoint();
  });
  libzmq_context context;
  libzmq_socket first(context, ZMQ_PUSH);  // placed on core 0
  first.connect(endpoint);
  ASSERT_TRUE(eventually([&] { return world.on(0, [&] { return pull.stats().peers; }) == 1u; }));
  libzmq_socket far(context, ZMQ_PUSH);  // placed on core 1
  far.connect(endpoint);
  ASSERT_TRUE(eventually([&] { return world.on(0, [&] { return pull.stats().peers; }) == 2u; }));
  ASSERT_EQ(accepted_on(world, 1), 1u) << "the second connection was not served on core 1";
  first.close();
  constexpr int count = 20000;
  for (int seq = 0; seq < count; ++seq) ASSERT_TRUE(far.send({numbered("far", seq)}));
  std::this_thread::sleep_for(100ms);  // let the rings fill up before anything is read
  const std::vector<message> got = receive_all(world, pull, count);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(count));
  for (int seq = 0; seq < count; ++seq) ASSERT_EQ(got[seq][0].text(), numbered("far", seq));
  world.on(0, [&] { pull.close(); });
}

TEST(zmq_spread_connections, close_lingers_until_the_far_peers_have_everything) {
  socket_world world(2);
  zmq::socket push = world.make(0, socket_type::push, spread_options());
  const std::string endpoint = world.on(0, [&] {
    push.bind("tcp://127.0.0.1:*");
    return push.last_endpoint();
  });
  libzmq_context context;
  std::vector<std::unique_ptr<libzmq_socket>> pullers;
  for (int i = 0; i < 2; ++i) {
    pullers.push_back(std::make_unique<libzmq_socket>(context, ZMQ_PULL));
    pullers.back()->set(ZMQ_RCVHWM, 100000);
    pullers.back()->connect(endpoint);
    ASSERT_TRUE(eventually([&] { return world.on(0, [&] { return push.stats().peers; }) == i + 1u; }));
  }
  constexpr int count = 3000;  // more than sndhwm (1000) per peer can hold at once
  auto ours = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int seq = 0; seq < count; ++seq)
      co_await push.async_send(make_message(numbered("m", seq)), asio::use_awaitable);
    push.close();  // default linger: until everything is written
  });
  int received = 0;
  std::vector<int> last(2, -1);
  for (; received < count; ++received) {
    // Round-robin over the two peers: each gets every other message, in order.
    zmq_pollitem_t items[] = {{pullers[0]->get(), 0, ZMQ_POLLIN, 0}, {pullers[1]->get(), 0, ZMQ_POLLIN, 0}};
    if (zmq_poll(items, 2, wait_ms) <= 0) break;
    for (int i = 0; i < 2; ++i) {
      if ((items[i].revents & ZMQ_POLLIN) == 0) continue;
      const std::optional<frames> m = pullers[i]->receive();
      ASSERT_TRUE(m.has_value());
      const int seq = std::stoi(m->at(0).substr(2));
      EXPECT_GT(seq, last[i]) << "peer " << i;
      last[i] = seq;
      break;
    }
  }
  EXPECT_EQ(received, count);
  finish(world, ours, push);  // the socket closed itself: false by design
}

TEST(zmq_spread_connections, a_pair_refuses_a_second_peer_served_on_the_other_core) {
  socket_world world(2);
  zmq::socket pair = world.make(0, socket_type::pair, spread_options());
  const std::string endpoint = world.on(0, [&] {
    pair.bind("tcp://127.0.0.1:*");
    return pair.last_endpoint();
  });
  libzmq_context context;
  libzmq_socket first(context, ZMQ_PAIR);  // core 0: the pair's peer
  first.connect(endpoint);
  ASSERT_TRUE(eventually([&] { return world.on(0, [&] { return pair.stats().peers; }) == 1u; }));
  libzmq_socket second(context, ZMQ_PAIR);  // core 1: refused through the relay
  second.connect(endpoint);
  EXPECT_TRUE(eventually([&] { return world.on(0, [&] { return pair.stats().handshake_failures; }) >= 1u; }));
  EXPECT_GE(accepted_on(world, 1), 1u) << "the second connection was not served on core 1";
  EXPECT_EQ(world.on(0, [&] { return pair.stats().peers; }), 1u);
  ASSERT_TRUE(first.send({"still here"}));
  const std::vector<message> got = receive_all(world, pair, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0][0].text(), "still here");
  world.on(0, [&] { pair.close(); });
}

TEST(zmq_spread_connections, reuseport_is_refused_for_a_single_socket) {
  socket_options options;
  options.spread = balance_policy::reuseport;
  EXPECT_THROW(validate(options), std::invalid_argument);
}

}  // namespace
}  // namespace shardmq::net::zmq::testing
