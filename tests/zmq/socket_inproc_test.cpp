// Our sockets over inproc: on one core, and between cores through SPSC rings (order, a peer
// leaving, a peer closing right after it sent).

#include "socket_fixture.hpp"

#include <gtest/gtest.h>

#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/write.hpp>
#include <shardmq/net/zmq/socket_metrics.hpp>
#include <shardmq/timer/sleep.hpp>

#include <chrono>
#include <thread>

namespace shardmq::net::zmq::testing {
namespace {

using namespace std::chrono_literals;

TEST(zmq_socket, inproc_on_one_core_carries_messages_both_ways) {
  socket_world world(1);
  zmq::socket router = world.make(0, socket_type::router);
  zmq::socket dealer =
      world.make(0, socket_type::dealer, options_with([](socket_options& o) { o.routing_id = "d1"; }));
  world.on(0, [&] {
    router.bind("inproc://backend");
    dealer.connect("inproc://backend");
  });
  world.run(0, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 3000; ++i) {
      co_await dealer.async_send(make_message(std::to_string(i)), asio::use_awaitable);
      message m = co_await receive(router);
      EXPECT_EQ(texts(m), strings("d1", std::to_string(i)));
      co_await router.async_send(std::move(m), asio::use_awaitable);
      EXPECT_EQ(texts(co_await receive(dealer)), strings(std::to_string(i)));
    }
  });
}

TEST(zmq_socket, inproc_across_cores_carries_every_message_in_order_both_ways) {
  SHARDMQ_REQUIRE_CORES(2);
  socket_world world(2);
  zmq::socket router = world.make(0, socket_type::router);
  zmq::socket dealer = world.make(1, socket_type::dealer, options_with([](socket_options& o) {
                                    o.routing_id = "far";
                                    o.sndhwm = 100;
                                  }));
  world.on(0, [&] { router.bind("inproc://across"); });
  world.on(1, [&] { dealer.connect("inproc://across"); });
  constexpr int total = 20000;
  std::promise<void> dealer_done;
  // On core 1 the dealer streams far past its mark while a second coroutine takes the echoes (a
  // ROUTER drops for a full peer, so the dealer must keep reading); core 0 echoes each message.
  world.on(1, [&] {
    asio::co_spawn(
        this_reactor().get_executor(),
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < total; ++i) {
            co_await dealer.async_send(make_message(pattern(i % 300, i)), asio::use_awaitable);
          }
        },
        asio::detached);
    asio::co_spawn(
        this_reactor().get_executor(),
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < total; ++i) {
            message back = co_await dealer.async_receive(asio::use_awaitable);
            EXPECT_EQ(back[0].text(), pattern(i % 300, i)) << i;
          }
        },
        [&](std::exception_ptr error) {
          if (error) {
            dealer_done.set_exception(error);
          } else {
            dealer_done.set_value();
          }
        });
  });
  world.run(0, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < total; ++i) {
      message m = co_await receive(router);
      EXPECT_EQ(m[0].text(), "far");
      EXPECT_EQ(m[1].text(), pattern(i % 300, i)) << i;
      co_await router.async_send(std::move(m), asio::use_awaitable);
    }
  });
  auto finished = dealer_done.get_future();
  get_within_deadline(finished);
}

TEST(zmq_socket, an_inproc_peer_on_another_core_leaving_is_seen) {
  SHARDMQ_REQUIRE_CORES(2);
  socket_world world(2);
  zmq::socket pull = world.make(0, socket_type::pull);
  zmq::socket push = world.make(1, socket_type::push);
  world.on(0, [&] { pull.bind("inproc://leaving"); });
  world.on(1, [&] { push.connect("inproc://leaving"); });
  world.run(1, [&]() -> asio::awaitable<void> {
    co_await push.async_send(make_message("last words"), asio::use_awaitable);
  });
  world.on(1, [&] { push.close(); });
  world.run(
      0, [&]() -> asio::awaitable<void> { EXPECT_EQ(texts(co_await receive(pull)), strings("last words")); });
  for (int i = 0; i < 500 && world.on(0, [&] { return pull.stats().disconnects; }) == 0; ++i) {
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_EQ(world.on(0, [&] { return pull.stats().disconnects; }), 1u);
}

TEST(zmq_socket, an_inproc_peer_on_another_core_closing_right_after_sending_delivers_all) {
  // Sends queue in the pipe and go over to the other core at the end of the sender's turn; a
  // socket that closes in the same turn as it sent must still hand them over, as a socket that
  // closes after its turn does.
  SHARDMQ_REQUIRE_CORES(2);
  socket_world world(2);
  zmq::socket pull = world.make(0, socket_type::pull);
  zmq::socket push = world.make(1, socket_type::push);
  world.on(0, [&] { pull.bind("inproc://closing"); });
  world.on(1, [&] { push.connect("inproc://closing"); });
  for (int i = 0; i < 500 && world.on(1, [&] { return push.stats().peers; }) == 0; ++i) {
    std::this_thread::sleep_for(2ms);
  }
  constexpr int total = 50;
  world.on(1, [&] {
    for (int i = 0; i < total; ++i) {
      message m = make_message(pattern(100, i));
      EXPECT_FALSE(push.try_send(m)) << i;
    }
    push.close();
  });
  world.run(0, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < total; ++i) EXPECT_EQ(texts(co_await receive(pull)), strings(pattern(100, i))) << i;
  });
}

}  // namespace
}  // namespace shardmq::net::zmq::testing
