// Our sockets and time: a peer that stops talking within the TTL of its PINGs is dropped, and a
// closed socket lingers for what it queued for a peer that had not connected yet (raw ZMTP byte
// peers and our own sockets).

#include "raw_zmtp_peer.hpp"
#include "socket_fixture.hpp"

#include <gtest/gtest.h>

#include <shardmq/net/metrics_registry.hpp>
#include <shardmq/net/zmq/socket_metrics.hpp>

#include <chrono>
#include <thread>

namespace shardmq::net::zmq::testing {
namespace {

using namespace std::chrono_literals;

// --- the peer's PING TTL ------------------------------------------------------------------------

using clock = std::chrono::steady_clock;

/// Reads what our socket sends (PONGs) for `duration`; false if it closed the connection.
bool stays_open(raw_zmtp_peer& peer, clock::duration duration) {
  const auto until = clock::now() + duration;
  for (auto now = clock::now(); now < until; now = clock::now()) {
    if (peer.read_for(until - now) == raw_zmtp_peer::read_result::closed) return false;
  }
  return true;
}

TEST(zmq_socket, a_peer_silent_past_the_ttl_of_its_ping_is_dropped_and_counted) {
  socket_world world(1);
  zmq::socket pull = world.make(0, socket_type::pull);
  const unsigned short port = world.on(0, [&] {
    pull.bind("tcp://127.0.0.1:*");
    return port_of(pull.last_endpoint());
  });
  raw_zmtp_peer peer(socket_type::push);
  peer.connect(port);
  peer.send_handshake();
  ASSERT_TRUE(peer.wait_ready(2s));
  peer.send_frame("before the silence");
  peer.send_ping(3);  // 300 ms, and then nothing
  const auto pinged = clock::now();
  ASSERT_TRUE(peer.wait_closed(3s)) << "still connected 3 s after a PING with a 300 ms TTL";
  // Timers never fire early; the margin covers the reactor's cached clock.
  EXPECT_GE(clock::now() - pinged, 250ms) << "dropped before the TTL ran out";
  ASSERT_TRUE(eventually(2s, [&] { return world.on(0, [&] { return pull.stats().disconnects == 1; }); }));
  world.on(0, [&] {
    EXPECT_EQ(pull.stats().protocol_errors, 1u);
    EXPECT_EQ(pull.stats().handshake_failures, 0u);
    EXPECT_EQ(pull.stats().peers, 0u);
    message m;
    ASSERT_FALSE(pull.try_receive(m));
    EXPECT_EQ(texts(m), strings("before the silence"));
  });
}

TEST(zmq_socket, a_peer_that_sends_within_the_ttl_of_its_pings_stays_connected) {
  socket_world world(1);
  zmq::socket pull = world.make(0, socket_type::pull);
  const unsigned short port = world.on(0, [&] {
    pull.bind("tcp://127.0.0.1:*");
    return port_of(pull.last_endpoint());
  });
  raw_zmtp_peer peer(socket_type::push);
  peer.connect(port);
  peer.send_handshake();
  ASSERT_TRUE(peer.wait_ready(2s));
  // 800 ms, well past the 300 ms TTL, with a PING or a message every 100 ms.
  int sent = 0;
  for (int i = 0; i < 8; ++i) {
    if (i % 2 == 0) {
      peer.send_ping(3);
    } else {
      peer.send_frame("tick " + std::to_string(sent++));
    }
    ASSERT_TRUE(stays_open(peer, 100ms)) << "dropped after " << i + 1 << " PINGs and messages";
  }
  // As libzmq: anything after a PING ends its TTL, here a message in the same write or the next.
  peer.send_ping(3);
  peer.send_frame("tick " + std::to_string(sent++));
  EXPECT_TRUE(stays_open(peer, 500ms)) << "dropped though a message followed the PING";
  peer.send_frame("tick " + std::to_string(sent++));
  world.run(0, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < sent; ++i)
      EXPECT_EQ(texts(co_await receive(pull)), strings("tick " + std::to_string(i)));
  });
  world.on(0, [&] {
    EXPECT_EQ(pull.stats().protocol_errors, 0u);
    EXPECT_EQ(pull.stats().disconnects, 0u);
    EXPECT_EQ(pull.stats().peers, 1u);
  });
}

// --- linger for messages queued before a connection --------------------------------------------

/// Whether a socket of `type_name` ("PUSH") still exists on core 0 of `world`.
bool socket_exists(socket_world& world, const metrics_registry& registry, std::string_view type_name) {
  return world.on(0, [&] {
    for (const metric_sample& sample : registry.collect_here().samples) {
      for (const auto& [label, value] : sample.labels) {
        if (label == "type" && value == type_name) return true;
      }
    }
    return false;
  });
}

/// A PUSH on core 0 that connects to `endpoint`, queues "queued 0".."queued 2" and closes.
void queue_and_close(socket_world& world, const std::string& endpoint, std::chrono::milliseconds linger) {
  zmq::socket push = world.make(0, socket_type::push, options_with([&](socket_options& o) {
                                  o.linger = linger;
                                  o.reconnect_ivl = 20ms;
                                }));
  world.on(0, [&] {
    push.connect(endpoint);
    for (int i = 0; i < 3; ++i) {
      message m = make_message("queued " + std::to_string(i));
      EXPECT_FALSE(push.try_send(m));
    }
    push.close();
  });
}

TEST(zmq_socket, a_closed_push_delivers_what_it_queued_to_a_peer_that_binds_within_the_linger) {
  for (const auto linger : {2000ms, -1ms}) {
    SCOPED_TRACE("linger " + std::to_string(linger.count()) + " ms");
    socket_world world(1);
    metrics_registry registry(builtin_sources::no);
    add_zmq_source(registry);
    const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(free_port());
    queue_and_close(world, endpoint, linger);
    std::this_thread::sleep_for(150ms);  // refused a few times meanwhile
    EXPECT_TRUE(socket_exists(world, registry, "PUSH")) << "gone with its messages";
    zmq::socket pull = world.make(0, socket_type::pull);
    world.on(0, [&] { pull.bind(endpoint); });
    std::vector<std::string> received;
    eventually(2s, [&] {
      return world.on(0, [&] {
        for (message m; !pull.try_receive(m); m.clear()) received.push_back(texts(m).front());
        return received.size() >= 3;
      });
    });
    EXPECT_EQ(received, strings("queued 0", "queued 1", "queued 2"));
    // Everything written: the closed socket ends now, not when the linger would.
    EXPECT_TRUE(eventually(1000ms, [&] { return !socket_exists(world, registry, "PUSH"); }));
  }
}

TEST(zmq_socket, a_connection_still_in_its_handshake_at_close_delivers_within_the_linger) {
  socket_world world(1);
  metrics_registry registry(builtin_sources::no);
  add_zmq_source(registry);
  raw_zmtp_peer peer(socket_type::pull);
  asio::ip::tcp::acceptor acceptor(peer.io_context(), {asio::ip::make_address("127.0.0.1"), 0});
  zmq::socket push =
      world.make(0, socket_type::push, options_with([](socket_options& o) { o.linger = 2000ms; }));
  world.on(0, [&] { push.connect("tcp://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port())); });
  ASSERT_TRUE(peer.accept(acceptor, 2s));
  ASSERT_TRUE(
      eventually(2s, [&] { return world.on(0, [&] { return push.stats().connections_made == 1; }); }));
  world.on(0, [&] {
    for (int i = 0; i < 3; ++i) {
      message m = make_message("queued " + std::to_string(i));
      EXPECT_FALSE(push.try_send(m));
    }
    push.close();  // our greeting and READY are out, the peer's are not
  });
  std::this_thread::sleep_for(50ms);
  peer.send_handshake();
  ASSERT_TRUE(peer.wait_frames(3, 2s)) << peer.frames().size() << " frames";
  EXPECT_EQ(peer.frames(), strings("queued 0", "queued 1", "queued 2"));
  EXPECT_TRUE(peer.wait_closed(2s)) << "our side did not close once all was written";
  EXPECT_TRUE(eventually(1000ms, [&] { return !socket_exists(world, registry, "PUSH"); }));
}

TEST(zmq_socket, close_with_linger_zero_drops_what_no_connection_took_and_ends_at_once) {
  socket_world world(1);
  metrics_registry registry(builtin_sources::no);
  add_zmq_source(registry);
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(free_port());
  queue_and_close(world, endpoint, 0ms);
  EXPECT_TRUE(eventually(500ms, [&] { return !socket_exists(world, registry, "PUSH"); }));
  zmq::socket pull = world.make(0, socket_type::pull);
  world.on(0, [&] { pull.bind(endpoint); });
  std::this_thread::sleep_for(150ms);  // several reconnect intervals of the PUSH, were it alive
  world.on(0, [&] {
    message m;
    EXPECT_EQ(pull.try_receive(m), would_block());
    EXPECT_EQ(pull.stats().connections_accepted, 0u);
  });
}

TEST(zmq_socket, a_lingering_socket_whose_peer_never_comes_ends_with_the_linger) {
  socket_world world(1);
  metrics_registry registry(builtin_sources::no);
  add_zmq_source(registry);
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(free_port());
  const auto closed = clock::now();
  queue_and_close(world, endpoint, 300ms);
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(socket_exists(world, registry, "PUSH")) << "gone before its linger";
  ASSERT_TRUE(eventually(2000ms, [&] { return !socket_exists(world, registry, "PUSH"); }));
  EXPECT_GE(clock::now() - closed, 250ms);
  zmq::socket pull = world.make(0, socket_type::pull);
  world.on(0, [&] { pull.bind(endpoint); });
  std::this_thread::sleep_for(150ms);
  world.on(0,
           [&] { EXPECT_EQ(pull.stats().connections_accepted, 0u) << "still connecting after the linger"; });
}

TEST(zmq_socket, stopping_the_engine_ends_a_socket_that_would_linger_forever) {
  // Run under the sanitizers this also shows that nothing of the socket leaks or is touched late.
  auto world = std::make_unique<socket_world>(1);
  metrics_registry registry(builtin_sources::no);
  add_zmq_source(registry);
  queue_and_close(*world, "tcp://127.0.0.1:" + std::to_string(free_port()), -1ms);
  std::this_thread::sleep_for(60ms);
  EXPECT_TRUE(socket_exists(*world, registry, "PUSH"));
  const auto stopping = clock::now();
  world.reset();
  EXPECT_LT(clock::now() - stopping, 2s);
}

}  // namespace
}  // namespace shardmq::net::zmq::testing
