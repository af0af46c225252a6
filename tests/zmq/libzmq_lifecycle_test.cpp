// Connections over time against libzmq: heartbeats both ways, libzmq peers that restart, and a
// libzmq peer that appears only after our socket was closed (linger).

#include "libzmq_peer.hpp"

#include <gtest/gtest.h>

namespace shardmq::net::zmq::testing {
namespace {

using namespace std::chrono_literals;

// --- heartbeats -----------------------------------------------------------------------------------

class libzmq_heartbeat : public ::testing::TestWithParam<binder> {};

TEST_P(libzmq_heartbeat, we_answer_libzmq_pings_and_keep_the_connection) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::router);
  libzmq_socket theirs(context, ZMQ_DEALER);
  // libzmq pings every 50 ms and drops the connection when nothing comes back within 50 ms (the
  // timeout defaults to the interval).
  theirs.set(ZMQ_HEARTBEAT_IVL, 50);
  // Its PINGs also carry a 200 ms TTL for us to enforce: the PINGs themselves must keep it alive
  // through the quiet gaps.
  theirs.set(ZMQ_HEARTBEAT_TTL, 200);
  theirs.set(ZMQ_ROUTING_ID, std::string_view("beating"));
  link(world, ours, theirs, GetParam());
  constexpr int rounds = 6;
  std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < rounds; ++i) {
      message m = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_TRUE(same_frames(texts(m), strings("beating", "beat " + std::to_string(i))));
      co_await ours.async_send(std::move(m), asio::use_awaitable);
    }
  });
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) {
    if (i > 0) std::this_thread::sleep_for(70ms);  // quiet: only PINGs and PONGs cross
    if (!theirs.send(frames(1, "beat " + std::to_string(i)))) break;
    std::optional<frames> reply = theirs.receive();
    if (!reply) break;
    EXPECT_TRUE(same_frames(*reply, frames(1, "beat " + std::to_string(i))));
  }
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
  if (!finish(world, done, ours)) return;
  world.on(0, [&] {
    const socket_stats& stats = ours.stats();
    EXPECT_EQ(stats.disconnects, 0u) << "libzmq dropped us: our PONGs did not come in time";
    EXPECT_EQ(stats.connections_accepted + stats.connections_made, 1u);
    EXPECT_EQ(stats.protocol_errors, 0u);
  });
}

TEST_P(libzmq_heartbeat, libzmq_answers_our_pings_on_a_quiet_connection) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::dealer, options_with([](socket_options& o) {
                                  o.heartbeat_ivl = 50ms;
                                  o.heartbeat_ttl = 300ms;  // libzmq drops us after 300 ms of silence
                                  o.routing_id = "pinger";
                                }));
  libzmq_socket theirs(context, ZMQ_ROUTER);
  link(world, ours, theirs, GetParam());
  constexpr int rounds = 3;
  std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < rounds; ++i) {
      if (i > 0) co_await sleep_for(150ms, asio::use_awaitable);  // quiet: only PINGs and PONGs
      co_await ours.async_send(to_message(frames(1, "ping " + std::to_string(i))), asio::use_awaitable);
      message m = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_TRUE(same_frames(texts(m), frames(1, "pong " + std::to_string(i))));
    }
  });
  for (int i = 0; i < rounds; ++i) {
    std::optional<frames> request = theirs.receive();
    if (!request) break;
    EXPECT_TRUE(same_frames(*request, strings("pinger", "ping " + std::to_string(i))));
    if (!theirs.send(strings("pinger", "pong " + std::to_string(i)))) break;
  }
  if (!finish(world, done, ours)) return;
  world.on(0, [&] {
    const socket_stats& stats = ours.stats();
    EXPECT_EQ(stats.disconnects, 0u) << "we dropped libzmq: its PONGs did not count";
    EXPECT_EQ(stats.protocol_errors, 0u);
  });
}

TEST_P(libzmq_heartbeat, a_connection_we_stopped_reading_is_not_taken_for_a_silent_one) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::pull, options_with([](socket_options& o) {
                                  o.heartbeat_ivl = 50ms;  // silent for 100 ms: dropped
                                  o.rcvhwm = 4;
                                }));
  libzmq_socket theirs(context, ZMQ_PUSH);
  link(world, ours, theirs, GetParam());
  // Far more than the pipe and the socket buffers hold: we stop reading, libzmq's PINGs included.
  constexpr int count = 200;
  const std::string body = pattern(64 * 1024, 3);
  for (int i = 0; i < count; ++i) {
    if (!theirs.send(frames(1, std::to_string(i) + body))) return;
  }
  std::this_thread::sleep_for(600ms);  // not reading: six heartbeat intervals
  std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < count; ++i) {
      message m = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_EQ(m[0].text().substr(0, std::to_string(i).size()), std::to_string(i));
    }
  });
  if (!finish(world, done, ours)) return;
  world.on(0,
           [&] { EXPECT_EQ(ours.stats().disconnects, 0u) << "dropped while we were the one not reading"; });
}

INSTANTIATE_TEST_SUITE_P(sides, libzmq_heartbeat, ::testing::Values(binder::ours, binder::libzmq),
                         [](const ::testing::TestParamInfo<binder>& info) {
                           return binder_name(info.param);
                         });

// --- a libzmq peer that restarts ----------------------------------------------------------------

/// Binds `s` to `endpoint`, retrying while the closed socket before it still holds the port
/// (libzmq closes its listener in its I/O thread, after zmq_close has returned).
void rebind(libzmq_socket& s, const std::string& endpoint) {
  EXPECT_TRUE(eventually([&] { return s.try_bind(endpoint); })) << "cannot bind " << endpoint << " again";
}

/// Queues `parts` on our socket (a send below the high-water mark completes at once).
void send_from_ours(socket_world& world, zmq::socket& ours, const frames& parts) {
  world.run(0, [&]() -> asio::awaitable<void> {
    co_await ours.async_send(to_message(parts), asio::use_awaitable);
  });
}

std::uint64_t disconnects_of(socket_world& world, zmq::socket& ours) {
  return world.on(0, [&] { return ours.stats().disconnects; });
}

TEST(libzmq_restart, our_connecting_push_reaches_the_restarted_pull) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::push);
  auto theirs = std::make_unique<libzmq_socket>(context, ZMQ_PULL);
  const std::string endpoint = theirs->bind();
  world.on(0, [&] { ours.connect(endpoint); });
  send_from_ours(world, ours, frames(1, "before"));
  std::optional<frames> before = theirs->receive();
  EXPECT_TRUE(before && same_frames(*before, frames(1, "before")));

  theirs.reset();
  ASSERT_TRUE(eventually([&] { return disconnects_of(world, ours) >= 1; })) << "we did not see the close";
  theirs = std::make_unique<libzmq_socket>(context, ZMQ_PULL);
  rebind(*theirs, endpoint);
  for (int i = 0; i < 3; ++i) send_from_ours(world, ours, frames(1, "after " + std::to_string(i)));
  for (int i = 0; i < 3; ++i) {
    std::optional<frames> after = theirs->receive();
    ASSERT_TRUE(after);
    EXPECT_TRUE(same_frames(*after, frames(1, "after " + std::to_string(i))));
  }
  world.on(0, [&] { EXPECT_GE(ours.stats().reconnect_attempts, 1u); });
}

TEST(libzmq_restart, our_connecting_dealer_talks_to_the_restarted_router) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::dealer,
                                options_with([](socket_options& o) { o.routing_id = "our-dealer"; }));
  auto theirs = std::make_unique<libzmq_socket>(context, ZMQ_ROUTER);
  const std::string endpoint = theirs->bind();
  world.on(0, [&] { ours.connect(endpoint); });
  auto exchange = [&](const std::string& text) {
    std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
      co_await ours.async_send(to_message(frames(1, text)), asio::use_awaitable);
      message reply = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_TRUE(same_frames(texts(reply), frames(1, "re: " + text)));
    });
    std::optional<frames> request = theirs->receive();
    if (request) {
      EXPECT_TRUE(same_frames(*request, strings("our-dealer", text)));
      theirs->send(strings("our-dealer", "re: " + text));
    }
    finish(world, done, ours);
  };
  exchange("before");
  theirs.reset();
  ASSERT_TRUE(eventually([&] { return disconnects_of(world, ours) >= 1; })) << "we did not see the close";
  theirs = std::make_unique<libzmq_socket>(context, ZMQ_ROUTER);
  rebind(*theirs, endpoint);
  exchange("after");
  world.on(0, [&] { EXPECT_GE(ours.stats().reconnect_attempts, 1u); });
}

TEST(libzmq_restart, our_bound_pull_hears_the_restarted_push) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::pull);
  const std::string endpoint = world.on(0, [&] {
    ours.bind("tcp://127.0.0.1:*");
    return ours.last_endpoint();
  });
  auto receive_one = [&](const std::string& text) {
    auto theirs = std::make_unique<libzmq_socket>(context, ZMQ_PUSH);
    theirs->connect(endpoint);
    std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
      message m = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_TRUE(same_frames(texts(m), frames(1, text)));
    });
    theirs->send(frames(1, text));
    finish(world, done, ours);
    return theirs;
  };
  auto first = receive_one("first");
  first.reset();
  ASSERT_TRUE(eventually([&] { return disconnects_of(world, ours) >= 1; })) << "we did not see the close";
  auto second = receive_one("second");
  world.on(0, [&] { EXPECT_EQ(ours.stats().connections_accepted, 2u); });
}

TEST(libzmq_restart, our_bound_router_takes_the_same_routing_id_again) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::router);
  const std::string endpoint = world.on(0, [&] {
    ours.bind("tcp://127.0.0.1:*");
    return ours.last_endpoint();
  });
  auto exchange = [&](const std::string& text) {
    auto theirs = std::make_unique<libzmq_socket>(context, ZMQ_DEALER);
    theirs->set(ZMQ_ROUTING_ID, std::string_view("returning"));
    theirs->connect(endpoint);
    std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
      message m = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_TRUE(same_frames(texts(m), strings("returning", text)));
      co_await ours.async_send(std::move(m), asio::use_awaitable);
    });
    theirs->send(frames(1, text));
    std::optional<frames> echo = theirs->receive();
    EXPECT_TRUE(echo && same_frames(*echo, frames(1, text)));
    finish(world, done, ours);
    return theirs;
  };
  auto first = exchange("first");
  first.reset();
  // Once we have seen the old connection go, the id is free for the new one.
  ASSERT_TRUE(eventually([&] { return disconnects_of(world, ours) >= 1; })) << "we did not see the close";
  auto second = exchange("second");
  world.on(0, [&] { EXPECT_EQ(ours.stats().handshake_failures, 0u); });
}

// --- linger: a libzmq peer that comes after the close -----------------------------------------

TEST(libzmq_linger, our_closed_push_delivers_to_a_libzmq_pull_that_binds_within_the_linger) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  auto probe = std::make_unique<libzmq_socket>(context, ZMQ_PULL);
  const std::string endpoint = probe->bind();  // a free port, released again below
  probe.reset();
  zmq::socket ours = world.make(0, socket_type::push, options_with([](socket_options& o) {
                                  o.linger = 3000ms;
                                  o.reconnect_ivl = 20ms;
                                }));
  world.on(0, [&] {
    ours.connect(endpoint);
    for (int i = 0; i < 3; ++i) {
      message m = to_message(frames(1, "queued " + std::to_string(i)));
      EXPECT_FALSE(ours.try_send(m));
    }
    ours.close();
  });
  std::this_thread::sleep_for(150ms);  // our side is refused a few times meanwhile
  libzmq_socket theirs(context, ZMQ_PULL);
  rebind(theirs, endpoint);
  for (int i = 0; i < 3; ++i) {
    std::optional<frames> m = theirs.receive();
    ASSERT_TRUE(m);
    EXPECT_TRUE(same_frames(*m, frames(1, "queued " + std::to_string(i))));
  }
}

}  // namespace
}  // namespace shardmq::net::zmq::testing
