#include <shardmq/core.hpp>
#include <shardmq/net/metrics_registry.hpp>
#include <shardmq/net/stats_endpoint.hpp>

#include <cstdint>
#include <cstdio>

// Per-core state of the app: each reactor thread has its own, and only that core touches it.
thread_local std::uint64_t requests_served = 0;

int main() {
  shardmq::engine engine(shardmq::engine_config{.cores = 1});

  // reactor, pool and buffers are built in; add the app's own group before the endpoint starts.
  // The function runs on every core (through submit_to) and reads that core's state only.
  shardmq::net::metrics_registry registry;
  registry.add_source("app", [](shardmq::net::metrics_writer& out) {
    out.counter("requests", "Requests served by this core.", requests_served);
  });

  engine.start();
  shardmq::net::stats_endpoint stats(engine, registry, "127.0.0.1:0");  // port 0: any free port
  stats.start();
  std::printf("stats endpoint on port %u: GET /stats (JSON), GET /metrics (Prometheus)\n",
              static_cast<unsigned>(stats.local_endpoint().port()));

  stats.stop();  // before the engine stops
  engine.stop();
  return 0;
}
