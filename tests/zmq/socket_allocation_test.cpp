// Zero heap allocations per 64-byte message in steady state on a PUSH -> PULL path over TCP
// loopback, counted by tests/support/heap_counter (malloc and operator new replaced).

#include "heap_counter.hpp"
#include "socket_fixture.hpp"

#include <gtest/gtest.h>

#include <asio/detached.hpp>

namespace shardmq::net::zmq::testing {
namespace {

// Sends and receives `count` 64-byte messages, the sender running ahead up to the marks; counts
// heap allocations from the `warm_up`-th received message on (rings have grown to their marks
// and the pools are warm by then) and returns them.
asio::awaitable<std::uint64_t> pump(zmq::socket& push, zmq::socket& pull, int count, int warm_up) {
  const std::string body(64, 'm');
  int sent = 0;
  int received = 0;
  bool counting = false;
  while (received < count) {
    while (sent < count) {
      message m;
      m.push_back(frame::copy_of(body));
      if (push.try_send(m)) break;  // would block: let the connection drain
      ++sent;
    }
    message in = co_await pull.async_receive(asio::use_awaitable);
    EXPECT_EQ(in[0].size(), 64u);
    ++received;
    while (received < count && !pull.try_receive(in)) ++received;
    if (received >= warm_up && !counting) {
      shardmq::testing::start_counting_allocations();
      counting = true;
    }
  }
  co_return shardmq::testing::stop_counting_allocations();
}

TEST(zmq_socket_allocation, push_to_pull_over_tcp_allocates_nothing_per_message_in_steady_state) {
  socket_world world(1);
  zmq::socket pull = world.make(0, socket_type::pull);
  zmq::socket push = world.make(0, socket_type::push);
  world.on(0, [&] {
    pull.bind("tcp://127.0.0.1:*");
    push.connect(pull.last_endpoint());
  });
  std::uint64_t allocations = 0;
  constexpr int measured = 50'000;
  world.run(0, [&]() -> asio::awaitable<void> {
    allocations = co_await pump(push, pull, 50'000 + measured, 50'000);
  });
  EXPECT_EQ(allocations, 0u) << "heap allocations for " << measured << " messages";
}

}  // namespace
}  // namespace shardmq::net::zmq::testing
