// What one client may cost the endpoint: deadlines, connection bounds, and the life cycle.

#include "endpoint_fixture.hpp"

#include <atomic>
#include <system_error>
#include <thread>

namespace shardmq::testing {
namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

TEST(stats_endpoint_limits, a_slow_client_does_not_block_other_clients) {
  running_endpoint server(1);
  const std::string request = "GET /stats HTTP/1.1\r\n\r\n";
  loopback_client slow(server.address());
  std::atomic<bool> others_done{false};
  std::thread trickle([&] {
    // One byte per 100 ms until the others are done (bounded), then the rest at once.
    std::size_t sent = 0;
    for (; sent + 1 < request.size() && !others_done.load() && sent < 20; ++sent) {
      slow.send(request.substr(sent, 1));
      std::this_thread::sleep_for(milliseconds(100));
    }
    slow.send(request.substr(sent));
  });
  std::this_thread::sleep_for(milliseconds(250));
  for (int i = 0; i < 3; ++i) {
    const steady::time_point start = steady::now();
    const http_reply reply = http_get(server.address(), "/stats");
    EXPECT_EQ(reply.status, 200);
    // Functional bound, generous: the slow client still needs over a second for its request.
    EXPECT_LT(steady::now() - start, milliseconds(900)) << "request " << i << " waited for the slow client";
  }
  others_done = true;
  trickle.join();
  EXPECT_EQ(parse_reply(slow.read_until_closed()).status, 200);
}

TEST(stats_endpoint_limits, a_silent_client_is_closed_at_the_deadline) {
  running_endpoint server(1, {.deadline = milliseconds(300)});
  loopback_client silent(server.address());
  loopback_client half(server.address());
  half.send("GET /sta");
  const steady::time_point start = steady::now();
  const loopback_client::received got = silent.read_until_closed(std::chrono::seconds(5));
  EXPECT_TRUE(got.closed);
  EXPECT_TRUE(got.bytes.empty());
  EXPECT_GE(steady::now() - start, milliseconds(200));
  EXPECT_TRUE(half.read_until_closed(std::chrono::seconds(5)).closed);
  const net::stats_endpoint_counters counters = server.wait_for_open(0);
  EXPECT_EQ(counters.timed_out, 2u);
  EXPECT_EQ(http_get(server.address(), "/stats").status, 200);  // still serving
}

TEST(stats_endpoint_limits, many_sequential_requests_do_not_leak_connections) {
  running_endpoint server(1);
  constexpr unsigned requests = 200;
  for (unsigned i = 0; i < requests; ++i) {
    const http_reply reply = http_get(server.address(), i % 2 ? "/metrics" : "/nope");
    ASSERT_EQ(reply.status, i % 2 ? 200 : 404) << "request " << i;
    ASSERT_TRUE(reply.closed);
  }
  const net::stats_endpoint_counters counters = server.wait_for_open(0);
  EXPECT_EQ(counters.accepted, requests);
  EXPECT_EQ(counters.closed, requests);
  EXPECT_EQ(counters.responses, requests);
  EXPECT_EQ(counters.rejected, 0u);
  // The endpoint reports itself: one open connection, the one asking.
  EXPECT_EQ(server.stats()["cores"][0]["http"]["connections_open"], 1u);
}

TEST(stats_endpoint_limits, connections_beyond_the_bound_are_closed_and_counted) {
  running_endpoint server(1, {.max_connections = 2});
  loopback_client first(server.address());
  loopback_client second(server.address());
  server.wait_for_open(2);
  loopback_client third(server.address());
  const loopback_client::received got = third.read_until_closed(std::chrono::seconds(3));
  EXPECT_TRUE(got.closed);
  EXPECT_TRUE(got.bytes.empty());
  EXPECT_EQ(server.endpoint->counters().rejected, 1u);
  first.send("GET /stats HTTP/1.1\r\n\r\n");
  EXPECT_EQ(parse_reply(first.read_until_closed()).status, 200);
  server.wait_for_open(1);
  EXPECT_EQ(http_get(server.address(), "/stats").status, 200);
}

TEST(stats_endpoint_limits, start_on_a_port_in_use_is_a_clear_error) {
  running_endpoint server(1);
  const std::string taken = "127.0.0.1:" + std::to_string(server.address().port());
  net::stats_endpoint second(server.e, server.registry, taken);
  try {
    second.start();
    FAIL() << "started on a port in use";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), std::errc::address_in_use);
    EXPECT_NE(std::string(error.what()).find(taken), std::string::npos) << error.what();
  }
  EXPECT_FALSE(second.running());
  EXPECT_EQ(http_get(server.address(), "/stats").status, 200);
}

TEST(stats_endpoint_limits, bad_arguments_are_rejected_before_start) {
  engine e(test_config(1));
  net::metrics_registry registry;
  for (const char* address : {"example.com:9100", "127.0.0.1", "127.0.0.1:70000", "::1:9100", "1.2.3:80"}) {
    EXPECT_THROW(net::stats_endpoint(e, registry, address), std::invalid_argument) << address;
  }
  EXPECT_THROW(net::stats_endpoint(e, registry, "127.0.0.1:0", 1), std::invalid_argument);
  net::stats_endpoint endpoint(e, registry, "127.0.0.1:0");
  EXPECT_THROW(endpoint.start(), std::logic_error);  // the engine is not running
}

TEST(stats_endpoint_limits, stop_closes_open_connections_then_the_engine_stops_cleanly) {
  running_endpoint server(1);
  loopback_client idle(server.address());
  loopback_client partial(server.address());
  partial.send("GET /stats HTTP/1.1\r\n");
  server.wait_for_open(2);
  server.endpoint->stop();
  EXPECT_FALSE(server.endpoint->running());
  EXPECT_TRUE(idle.read_until_closed(std::chrono::seconds(3)).closed);
  EXPECT_TRUE(partial.read_until_closed(std::chrono::seconds(3)).closed);
  const net::stats_endpoint_counters counters = server.endpoint->counters();
  EXPECT_EQ(counters.open, 0u);
  EXPECT_EQ(counters.closed, 2u);
  server.endpoint->stop();  // twice is fine
  // And it can serve again on a new port.
  server.endpoint->start();
  EXPECT_EQ(http_get(server.address(), "/stats").status, 200);
}

TEST(stats_endpoint_limits, stop_waits_for_a_gathering_in_flight) {
  std::atomic<bool> source_running{false};
  running_endpoint server(1, {}, [&](net::metrics_registry& registry) {
    registry.add_source("slow", [&](net::metrics_writer& out) {
      source_running = true;
      std::this_thread::sleep_for(milliseconds(300));
      out.gauge("value", "A source that takes its time.", 1);
      source_running = false;
    });
  });
  loopback_client client(server.address());
  client.send("GET /stats HTTP/1.1\r\n\r\n");
  const steady::time_point end = steady::now() + std::chrono::seconds(3);
  while (!source_running && steady::now() < end) std::this_thread::sleep_for(milliseconds(1));
  ASSERT_TRUE(source_running);
  server.endpoint->stop();
  EXPECT_FALSE(source_running) << "stop() returned while a core still ran a source of the registry";
  EXPECT_TRUE(client.read_until_closed(std::chrono::seconds(3)).closed);
}

TEST(stats_endpoint_limits, the_engine_stopping_first_ends_the_endpoint_cleanly) {
  auto server = std::make_unique<running_endpoint>(1);
  loopback_client idle(server->address());
  server->wait_for_open(1);
  server->e.stop();  // the server goes with the home core's io_context
  EXPECT_TRUE(idle.read_until_closed(std::chrono::seconds(3)).closed);
  server.reset();  // endpoint.stop() after the engine: nothing left to do
}

}  // namespace
}  // namespace shardmq::testing
