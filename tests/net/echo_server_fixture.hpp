#pragma once
// An engine with a TCP stack and an echo listener on an ephemeral loopback port, and the counters
// of each core read on that core.

#include "engine_fixture.hpp"

#include <shardmq/net/echo_handler.hpp>
#include <shardmq/net/tcp_listener.hpp>
#include <shardmq/net/tcp_stack.hpp>

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace shardmq::net::testing {

using shardmq::testing::run_on;

struct echo_server {
  explicit echo_server(unsigned cores, balance_policy policy = balance_policy::round_robin,
                       connection_options options = {})
      : engine_(shardmq::testing::test_config(cores)) {
    engine_.start();
    stack.emplace(engine_, options);
    listener.emplace(
        *stack, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
        [](tcp_connection&) { return std::make_unique<echo_handler>(); }, listener_options{.policy = policy});
    listener->start();
  }
  ~echo_server() {
    listener.reset();
    engine_.stop();  // connections are torn down on their cores
    stack.reset();
  }

  asio::ip::tcp::endpoint endpoint() const { return listener->local_endpoint(); }

  tcp_counters counters(unsigned core) {
    return run_on(engine_, core, [this] { return stack->counters(); });
  }

  /// Polls until `done(counters of every core)` holds, for at most ~5 s.
  template <class Predicate>
  std::vector<tcp_counters> wait_for(Predicate done) {
    std::vector<tcp_counters> all;
    for (int attempt = 0; attempt < 2500; ++attempt) {
      all.clear();
      for (unsigned core = 0; core < engine_.core_count(); ++core) all.push_back(counters(core));
      if (done(all)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return all;
  }

  engine engine_;
  std::optional<tcp_stack> stack;
  std::optional<tcp_listener> listener;
};

/// A blocking client socket of the test thread.
inline asio::ip::tcp::socket connect_to(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint) {
  asio::ip::tcp::socket socket(io);
  socket.connect(endpoint);
  socket.set_option(asio::ip::tcp::no_delay(true));
  return socket;
}

}  // namespace shardmq::net::testing
