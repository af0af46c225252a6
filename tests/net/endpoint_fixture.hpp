#pragma once
// An engine with a stats endpoint on an ephemeral loopback port, for the endpoint tests.

#include "core/engine_fixture.hpp"
#include "loopback_client.hpp"

#include <shardmq/net/metrics_registry.hpp>
#include <shardmq/net/stats_endpoint.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <thread>

namespace shardmq::testing {

/// Started in the constructor (sources added by `add_sources` first), stopped in the destructor
/// in the documented order: the endpoint, then the engine.
struct running_endpoint {
  explicit running_endpoint(unsigned cores, net::stats_endpoint_limits limits = {},
                            const std::function<void(net::metrics_registry&)>& add_sources = {})
      : e(test_config(cores)) {
    if (add_sources) add_sources(registry);
    e.start();
    endpoint.emplace(e, registry, "127.0.0.1:0", 0, limits);
    endpoint->start();
  }
  ~running_endpoint() {
    endpoint->stop();
    e.stop();
  }

  asio::ip::tcp::endpoint address() const { return endpoint->local_endpoint(); }

  nlohmann::json stats() {
    const http_reply reply = http_get(address(), "/stats");
    EXPECT_EQ(reply.status, 200) << reply.body;
    return nlohmann::json::parse(reply.body);
  }

  /// Waits (bounded) until the endpoint has `open` connections; returns the counters then.
  net::stats_endpoint_counters wait_for_open(std::uint64_t open,
                                             std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    net::stats_endpoint_counters now = endpoint->counters();
    while (now.open != open && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      now = endpoint->counters();
    }
    EXPECT_EQ(now.open, open);
    return now;
  }

  engine e;
  net::metrics_registry registry;
  std::optional<net::stats_endpoint> endpoint;
};

}  // namespace shardmq::testing
