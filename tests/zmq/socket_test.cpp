// Our sockets against ours over TCP loopback and inproc: the patterns' semantics, high-water
// marks, reconnects and bad peers (inproc: socket_inproc_test.cpp; PING TTL and linger:
// socket_timeouts_test.cpp).

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

TEST(zmq_socket, push_to_pull_over_tcp_delivers_every_size_in_order) {
  socket_world world(1);
  zmq::socket pull = world.make(0, socket_type::pull);
  zmq::socket push = world.make(0, socket_type::push);
  const std::string endpoint = world.on(0, [&] {
    pull.bind("tcp://127.0.0.1:*");
    return pull.last_endpoint();
  });
  ASSERT_EQ(endpoint.rfind("tcp://127.0.0.1:", 0), 0u) << endpoint;
  world.on(0, [&] { push.connect(endpoint); });
  const std::vector<std::size_t> sizes = {0, 1, 255, 256, 65536, 1 << 20, 7, 4000};
  constexpr int rounds = 40;
  world.run(0, [&]() -> asio::awaitable<void> {
    for (int r = 0; r < rounds; ++r) {
      for (std::size_t i = 0; i < sizes.size(); ++i) {
        co_await push.async_send(make_message(pattern(sizes[i], r * 10 + i)), asio::use_awaitable);
      }
    }
    for (int r = 0; r < rounds; ++r) {
      for (std::size_t i = 0; i < sizes.size(); ++i) {
        message m = co_await receive(pull);
        EXPECT_EQ(m.size(), 1u);
        EXPECT_EQ(m[0].text(), pattern(sizes[i], r * 10 + i)) << "round " << r << " size " << sizes[i];
      }
    }
  });
  world.on(0, [&] {
    EXPECT_EQ(pull.stats().messages_in, rounds * sizes.size());
    EXPECT_EQ(push.stats().messages_out, rounds * sizes.size());
    push.close();
    pull.close();
  });
}

TEST(zmq_socket, multipart_messages_arrive_whole) {
  socket_world world(1);
  zmq::socket pull = world.make(0, socket_type::pull);
  zmq::socket push = world.make(0, socket_type::push);
  world.on(0, [&] {
    pull.bind("tcp://127.0.0.1:*");
    push.connect(pull.last_endpoint());
  });
  world.run(0, [&]() -> asio::awaitable<void> {
    co_await push.async_send(make_message("a", "", pattern(300, 1), "d", "e"), asio::use_awaitable);
    message m = co_await receive(pull);
    EXPECT_EQ(texts(m), strings("a", "", pattern(300, 1), "d", "e"));
  });
}

TEST(zmq_socket, req_and_rep_alternate_and_keep_the_envelope) {
  socket_world world(1);
  zmq::socket rep = world.make(0, socket_type::rep);
  zmq::socket req = world.make(0, socket_type::req);
  world.on(0, [&] {
    rep.bind("tcp://127.0.0.1:*");
    req.connect(rep.last_endpoint());
  });
  world.run(0, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 200; ++i) {
      co_await req.async_send(make_message("ping " + std::to_string(i)), asio::use_awaitable);
      message again = make_message("too soon");
      EXPECT_EQ(req.try_send(again), make_error_code(errc::wrong_state));
      message request = co_await receive(rep);
      EXPECT_EQ(texts(request), strings("ping " + std::to_string(i)));
      message early;
      EXPECT_EQ(rep.try_receive(early), make_error_code(errc::wrong_state));
      co_await rep.async_send(make_message("pong", std::to_string(i)), asio::use_awaitable);
      message reply = co_await receive(req);
      EXPECT_EQ(texts(reply), strings("pong", std::to_string(i)));
    }
  });
}

TEST(zmq_socket, router_routes_replies_to_each_dealer_by_identity) {
  socket_world world(1);
  zmq::socket router = world.make(0, socket_type::router);
  zmq::socket named =
      world.make(0, socket_type::dealer, options_with([](socket_options& o) { o.routing_id = "named"; }));
  zmq::socket anonymous = world.make(0, socket_type::dealer);
  world.on(0, [&] {
    router.bind("tcp://127.0.0.1:*");
    named.connect(router.last_endpoint());
    anonymous.connect(router.last_endpoint());
  });
  world.run(0, [&]() -> asio::awaitable<void> {
    co_await named.async_send(make_message("from named"), asio::use_awaitable);
    co_await anonymous.async_send(make_message("from anonymous"), asio::use_awaitable);
    std::string anonymous_id;
    for (int i = 0; i < 2; ++i) {
      message m = co_await receive(router);
      EXPECT_EQ(m.size(), 2u);
      if (m[1].text() == "from named") {
        EXPECT_EQ(m[0].text(), "named");
      } else {
        EXPECT_EQ(m[1].text(), "from anonymous");
        EXPECT_EQ(m[0].size(), 5u);  // libzmq's generated id: 0x00 + a 32-bit counter
        EXPECT_EQ(m[0].data()[0], std::byte{0});
        anonymous_id = std::string(m[0].text());
      }
      // Echo back through the id frame.
      co_await router.async_send(std::move(m), asio::use_awaitable);
    }
    message a = co_await receive(named);
    EXPECT_EQ(texts(a), strings("from named"));
    message b = co_await receive(anonymous);
    EXPECT_EQ(texts(b), strings("from anonymous"));
    // Unknown peer: dropped and counted, or host_unreachable with router_mandatory.
    message lost = make_message("nobody", "x");
    EXPECT_FALSE(router.try_send(lost));
    EXPECT_EQ(router.stats().drops, 1u);
  });
}

TEST(zmq_socket, router_mandatory_reports_an_unknown_peer) {
  socket_world world(1);
  zmq::socket router =
      world.make(0, socket_type::router, options_with([](socket_options& o) { o.router_mandatory = true; }));
  world.on(0, [&] {
    message m = make_message("nobody", "x");
    EXPECT_EQ(router.try_send(m), host_unreachable());
    EXPECT_EQ(m.size(), 2u);  // the caller keeps it
  });
}

TEST(zmq_socket, pair_talks_both_ways_and_refuses_a_second_peer) {
  socket_world world(1);
  zmq::socket a = world.make(0, socket_type::pair);
  zmq::socket b = world.make(0, socket_type::pair);
  zmq::socket intruder = world.make(0, socket_type::pair);
  world.on(0, [&] {
    a.bind("tcp://127.0.0.1:*");
    b.connect(a.last_endpoint());
  });
  world.run(0, [&]() -> asio::awaitable<void> {
    co_await b.async_send(make_message("hello"), asio::use_awaitable);
    EXPECT_EQ(texts(co_await receive(a)), strings("hello"));
    co_await a.async_send(make_message("back"), asio::use_awaitable);
    EXPECT_EQ(texts(co_await receive(b)), strings("back"));
  });
  world.on(0, [&] { intruder.connect(a.last_endpoint()); });
  for (int i = 0; i < 500 && world.on(0, [&] { return a.stats().handshake_failures; }) == 0; ++i) {
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_GE(world.on(0, [&] { return a.stats().handshake_failures; }), 1u);
}

TEST(zmq_socket, sends_wait_at_the_high_water_mark) {
  socket_world world(1);
  zmq::socket push = world.make(0, socket_type::push, options_with([](socket_options& o) { o.sndhwm = 10; }));
  world.on(0, [&] {
    // No peer yet: the connect()ed pipe queues up to sndhwm messages, then sends would block.
    push.connect("tcp://127.0.0.1:1");
    for (int i = 0; i < 10; ++i) {
      message m = make_message("x");
      EXPECT_FALSE(push.try_send(m)) << i;
    }
    message m = make_message("x");
    EXPECT_EQ(push.try_send(m), would_block());
    // A bound PUSH with no peer at all cannot send either.
  });
  zmq::socket lonely = world.make(0, socket_type::push);
  world.on(0, [&] {
    lonely.bind("tcp://127.0.0.1:*");
    message m = make_message("x");
    EXPECT_EQ(lonely.try_send(m), would_block());
  });
}

TEST(zmq_socket, an_async_send_at_the_mark_completes_once_the_peer_reads) {
  socket_world world(1);
  zmq::socket pull = world.make(0, socket_type::pull, options_with([](socket_options& o) { o.rcvhwm = 5; }));
  zmq::socket push = world.make(0, socket_type::push, options_with([](socket_options& o) { o.sndhwm = 5; }));
  world.on(0, [&] {
    pull.bind("tcp://127.0.0.1:*");
    push.connect(pull.last_endpoint());
  });
  // 300 x 64 KiB = 19 MiB: far more than both marks, the connection's write queue and the
  // kernel's loopback buffers hold, so the sender must wait for the receiver.
  constexpr int total = 300;
  bool sent_all = false;
  world.run(0, [&]() -> asio::awaitable<void> {
    asio::co_spawn(
        this_reactor().get_executor(),
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < total; ++i) {
            co_await push.async_send(make_message(pattern(65536, i)), asio::use_awaitable);
          }
          sent_all = true;
        },
        asio::detached);
    co_await sleep_for(std::chrono::milliseconds(200), asio::use_awaitable);
    EXPECT_FALSE(sent_all) << "the sender should be waiting at its high-water mark";
    EXPECT_GT(push.stats().hwm_waits, 0u);
    for (int i = 0; i < total; ++i) {
      message m = co_await receive(pull);
      EXPECT_EQ(m[0].text(), pattern(65536, i)) << i;
    }
  });
  for (int i = 0; i < 500 && !world.on(0, [&] { return sent_all; }); ++i) std::this_thread::sleep_for(2ms);
  EXPECT_TRUE(world.on(0, [&] { return sent_all; }));
}

TEST(zmq_socket, a_send_waiting_for_a_peer_completes_once_when_one_arrives_at_a_mark_of_one) {
  // The waiting send, retried when the peer attaches, is written at once; the connection then
  // reports room again from inside that retry. The retry must not run a second time for the same
  // operation (it did: the nested one sent the moved-from message and completed the operation
  // with bad_message, and the outer one then completed a null operation).
  socket_world world(1);
  zmq::socket push = world.make(0, socket_type::push, options_with([](socket_options& o) { o.sndhwm = 1; }));
  zmq::socket pull = world.make(0, socket_type::pull);
  world.on(0, [&] { push.bind("tcp://127.0.0.1:*"); });
  constexpr int total = 100;
  int sent = 0;
  world.run(0, [&]() -> asio::awaitable<void> {
    asio::co_spawn(
        this_reactor().get_executor(),
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < total; ++i) {
            co_await push.async_send(make_message(std::to_string(i)), asio::use_awaitable);
            ++sent;
          }
        },
        [](std::exception_ptr error) {
          if (error) ADD_FAILURE() << "the sender failed";
        });
    co_await sleep_for(std::chrono::milliseconds(20), asio::use_awaitable);
    EXPECT_EQ(sent, 0) << "no peer yet: the first send waits";
    pull.connect(push.last_endpoint());
    for (int i = 0; i < total; ++i) EXPECT_EQ(texts(co_await receive(pull)), strings(std::to_string(i)));
  });
  for (int i = 0; i < 500 && world.on(0, [&] { return sent; }) < total; ++i) std::this_thread::sleep_for(2ms);
  EXPECT_EQ(world.on(0, [&] { return sent; }), total);
}

TEST(zmq_socket, a_connection_keeps_reading_while_its_peer_does_not_read_what_it_sends) {
  // b sends everything before it reads anything; a sends and reads at once. a's writes back up
  // (b does not read), and a must go on reading b regardless, as libzmq does; it used to stop
  // reading above the TCP write high watermark, and then each side waited for the other.
  socket_world world(1);
  const socket_options small = options_with([](socket_options& o) { o.sndhwm = o.rcvhwm = 10; });
  zmq::socket a = world.make(0, socket_type::pair, small);
  zmq::socket b = world.make(0, socket_type::pair, small);
  world.on(0, [&] {
    a.bind("tcp://127.0.0.1:*");
    b.connect(a.last_endpoint());
  });
  constexpr int total = 200;  // 64 KiB each: 12.5 MiB each way, far beyond the socket buffers
  int a_received = 0;
  int b_received = 0;
  std::promise<void> done;
  std::future<void> finished = done.get_future();
  world.on(0, [&] {
    const auto executor = this_reactor().get_executor();
    asio::co_spawn(
        executor,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < total; ++i)
            co_await a.async_send(make_message(pattern(65536, i)), asio::use_awaitable);
        },
        asio::detached);
    asio::co_spawn(
        executor,
        [&]() -> asio::awaitable<void> {
          for (; a_received < total; ++a_received) {
            message m = co_await receive(a);
            EXPECT_EQ(m[0].text(), pattern(65536, total + a_received));
          }
        },
        asio::detached);
    asio::co_spawn(
        executor,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < total; ++i) {
            co_await b.async_send(make_message(pattern(65536, total + i)), asio::use_awaitable);
          }
          for (; b_received < total; ++b_received) {
            message m = co_await receive(b);
            EXPECT_EQ(m[0].text(), pattern(65536, b_received));
          }
        },
        [&](std::exception_ptr) { done.set_value(); });
  });
  if (finished.wait_for(10s) != std::future_status::ready) {
    ADD_FAILURE() << "stuck: a received " << world.on(0, [&] { return a_received; }) << ", b received "
                  << world.on(0, [&] { return b_received; });
    world.on(0, [&] {
      a.close();
      b.close();
    });
    get_within_deadline(finished);
  }
  EXPECT_EQ(world.on(0, [&] { return a_received; }), total);
  EXPECT_EQ(world.on(0, [&] { return b_received; }), total);
}

TEST(zmq_socket, traffic_resumes_after_the_peer_restarts) {
  socket_world world(1);
  zmq::socket pull = world.make(0, socket_type::pull);
  zmq::socket push =
      world.make(0, socket_type::push, options_with([](socket_options& o) { o.reconnect_ivl = 10ms; }));
  const std::string endpoint = world.on(0, [&] {
    pull.bind("tcp://127.0.0.1:*");
    push.connect(pull.last_endpoint());
    return pull.last_endpoint();
  });
  world.run(0, [&]() -> asio::awaitable<void> {
    co_await push.async_send(make_message("before"), asio::use_awaitable);
    EXPECT_EQ(texts(co_await receive(pull)), strings("before"));
  });
  world.on(0, [&] { pull.close(); });
  std::this_thread::sleep_for(50ms);
  zmq::socket again = world.make(0, socket_type::pull);
  world.on(0, [&] { again.bind(endpoint); });
  world.run(0, [&]() -> asio::awaitable<void> {
    co_await push.async_send(make_message("after"), asio::use_awaitable);
    EXPECT_EQ(texts(co_await receive(again)), strings("after"));
  });
  EXPECT_GE(world.on(0, [&] { return push.stats().reconnect_attempts; }), 1u);
}

TEST(zmq_socket, reconnect_back_off_grows_and_is_capped) {
  socket_world world(1);
  // Nothing listens on port 1: every attempt is refused at once.
  zmq::socket capped = world.make(0, socket_type::push, options_with([](socket_options& o) {
                                    o.reconnect_ivl = 10ms;
                                    o.reconnect_ivl_max = 40ms;
                                  }));
  zmq::socket doubling = world.make(0, socket_type::push, options_with([](socket_options& o) {
                                      o.reconnect_ivl = 10ms;
                                      o.reconnect_ivl_max = 100000ms;
                                    }));
  zmq::socket flat =
      world.make(0, socket_type::push, options_with([](socket_options& o) { o.reconnect_ivl = 10ms; }));
  world.on(0, [&] {
    capped.connect("tcp://127.0.0.1:1");
    doubling.connect("tcp://127.0.0.1:1");
    flat.connect("tcp://127.0.0.1:1");
  });
  std::this_thread::sleep_for(1000ms);
  const auto attempts = world.on(0, [&] {
    std::array<std::uint64_t, 3> counts;
    counts[0] = capped.stats().reconnect_attempts;
    counts[1] = doubling.stats().reconnect_attempts;
    counts[2] = flat.stats().reconnect_attempts;
    return counts;
  });
  // Flat: one try per 10-20 ms (~65 in 1 s); capped at 40-80 ms (~16); doubling: 10, 20, 40, ...
  // 640 ms (~7). Loose bounds: a loaded machine runs timers late, never early.
  EXPECT_LE(attempts[1], 9u) << "doubling";
  EXPECT_GE(attempts[0], attempts[1]) << "capped vs doubling";
  EXPECT_LE(attempts[0], 26u) << "capped";
  EXPECT_GT(attempts[2], attempts[0]) << "flat vs capped";
}

TEST(zmq_socket, a_bad_peer_is_closed_and_counted_while_a_good_one_carries_on) {
  socket_world world(1);
  zmq::socket pull = world.make(0, socket_type::pull);
  zmq::socket push = world.make(0, socket_type::push);
  const std::string endpoint = world.on(0, [&] {
    pull.bind("tcp://127.0.0.1:*");
    push.connect(pull.last_endpoint());
    return pull.last_endpoint();
  });
  const auto port = static_cast<unsigned short>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
  // A peer speaking garbage instead of a ZMTP greeting.
  asio::io_context io;
  asio::ip::tcp::socket bad(io);
  bad.connect({asio::ip::make_address("127.0.0.1"), port});
  const std::string garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n" + std::string(64, 'z');
  asio::write(bad, asio::buffer(garbage));
  char byte;
  std::error_code error;
  for (int i = 0; i < 200 && !error; ++i) bad.read_some(asio::buffer(&byte, 1), error);  // until we close it
  EXPECT_TRUE(error) << "the server should have closed the garbage connection";
  world.run(0, [&]() -> asio::awaitable<void> {
    co_await push.async_send(make_message("still here"), asio::use_awaitable);
    EXPECT_EQ(texts(co_await receive(pull)), strings("still here"));
  });
  EXPECT_EQ(world.on(0, [&] { return pull.stats().handshake_failures; }), 1u);
}

TEST(zmq_socket, each_core_reports_its_sockets_in_the_zmq_stats_group) {
  socket_world world(1);
  metrics_registry registry(builtin_sources::no);
  add_zmq_source(registry);
  zmq::socket pull = world.make(0, socket_type::pull);
  zmq::socket push = world.make(0, socket_type::push);
  world.on(0, [&] {
    pull.bind("tcp://127.0.0.1:*");
    push.connect(pull.last_endpoint());
  });
  world.run(0, [&]() -> asio::awaitable<void> {
    co_await push.async_send(make_message("abc"), asio::use_awaitable);
    co_await receive(pull);
  });
  const core_metrics metrics = world.on(0, [&] { return registry.collect_here(); });
  bool found_pull = false;
  for (const metric_sample& sample : metrics.samples) {
    EXPECT_EQ(sample.group, "zmq");
    if (sample.name != "messages_in") continue;
    for (const auto& [label, value] : sample.labels) {
      if (label == "type" && value == "PULL") {
        found_pull = true;
        EXPECT_EQ(std::get<std::uint64_t>(sample.value), 1u);
      }
    }
  }
  EXPECT_TRUE(found_pull);
}

TEST(zmq_socket, an_operation_on_a_closed_socket_fails_with_socket_closed) {
  // Another coroutine may close a socket between two awaits of a loop. The next operation fails
  // through its handler; it used to throw from the initiation, which use_awaitable runs in a
  // noexcept function: the process terminated.
  socket_world world(1);
  zmq::socket pull = world.make(0, socket_type::pull);
  zmq::socket push = world.make(0, socket_type::push);
  world.run(0, [&]() -> asio::awaitable<void> {
    pull.close();
    push.close();
    std::error_code error;
    message m = co_await pull.async_receive(asio::redirect_error(asio::use_awaitable, error));
    EXPECT_EQ(error, make_error_code(errc::socket_closed));
    EXPECT_TRUE(m.empty());
    error.clear();
    co_await push.async_send(make_message("x"), asio::redirect_error(asio::use_awaitable, error));
    EXPECT_EQ(error, make_error_code(errc::socket_closed));
  });
}

TEST(zmq_socket, peers_counts_the_connections_that_completed_the_handshake) {
  socket_world world(1);
  zmq::socket pull = world.make(0, socket_type::pull);
  zmq::socket push = world.make(0, socket_type::push);
  zmq::socket unanswered = world.make(0, socket_type::push);
  world.on(0, [&] {
    pull.bind("tcp://127.0.0.1:*");
    unanswered.connect("tcp://127.0.0.1:1");  // nobody listens there
    push.connect(pull.last_endpoint());
    EXPECT_EQ(unanswered.stats().peers, 0u);
    EXPECT_EQ(push.stats().peers, 0u) << "a connect() alone is no peer yet";
  });
  world.run(0, [&]() -> asio::awaitable<void> {
    co_await push.async_send(make_message("hi"), asio::use_awaitable);
    co_await receive(pull);  // written after the push's handshake, read after the pull's
  });
  EXPECT_EQ(world.on(0, [&] { return push.stats().peers; }), 1u);
  EXPECT_EQ(world.on(0, [&] { return pull.stats().peers; }), 1u);
  EXPECT_EQ(world.on(0, [&] { return unanswered.stats().peers; }), 0u);
}

TEST(zmq_socket, wrong_operations_for_the_type_fail_clearly) {
  socket_world world(1);
  zmq::socket push = world.make(0, socket_type::push);
  zmq::socket pull = world.make(0, socket_type::pull);
  world.on(0, [&] {
    message m;
    EXPECT_EQ(push.try_receive(m), make_error_code(errc::not_supported_by_type));
    m = make_message("x");
    EXPECT_EQ(pull.try_send(m), make_error_code(errc::not_supported_by_type));
    EXPECT_THROW(push.bind("udp://127.0.0.1:5"), std::invalid_argument);
    EXPECT_THROW(push.connect("tcp://127.0.0.1"), std::invalid_argument);
  });
  EXPECT_THROW(push.bind("tcp://127.0.0.1:*"), std::logic_error);  // not on the home core
}

}  // namespace
}  // namespace shardmq::net::zmq::testing
