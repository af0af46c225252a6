// shardmq-echo: the TCP echo server on every core.

#include "command_line.hpp"

#include <shardmq/core.hpp>
#include <shardmq/net/echo_handler.hpp>
#include <shardmq/net/metrics_registry.hpp>
#include <shardmq/net/stats_endpoint.hpp>
#include <shardmq/net/tcp_address.hpp>
#include <shardmq/net/tcp_listener.hpp>
#include <shardmq/net/tcp_metrics.hpp>
#include <shardmq/net/tcp_stack.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>

namespace {

void note(const std::string& text) { std::fprintf(stderr, "shardmq-echo: %s\n", text.c_str()); }

}  // namespace

int main(int argc, char** argv) {
  shardmq::echo::options options;
  asio::ip::tcp::endpoint listen_at;
  try {
    options = shardmq::echo::parse_command_line(argc, argv);
    listen_at = shardmq::net::parse_tcp_address(options.listen);
  } catch (const std::exception& error) {
    note(std::string("error: ") + error.what() + " (see --help)");
    return 2;
  }
  if (options.help) {
    std::fputs(shardmq::echo::usage_text(argv[0]).c_str(), stdout);
    return 0;
  }
  shardmq::engine_config config;
  config.cores = options.cores;
  config.stop_on_signals = true;
  config.idle_spin = std::chrono::microseconds(options.idle_spin_us);
  std::unique_ptr<shardmq::engine> engine;
  try {
    engine = std::make_unique<shardmq::engine>(config);
  } catch (const std::invalid_argument& error) {
    note(std::string("error: ") + error.what());
    return 2;
  }
  try {
    engine->start();
    shardmq::net::tcp_stack stack(*engine);
    shardmq::net::tcp_listener listener(
        stack, listen_at,
        [](shardmq::net::tcp_connection&) { return std::make_unique<shardmq::net::echo_handler>(); },
        shardmq::net::listener_options{.policy = options.balance});
    listener.start();
    std::string placement;
    for (const shardmq::cpu_slot& slot : engine->placement()) {
      placement += (placement.empty() ? "" : ",") + std::to_string(slot.pu);
    }
    note("listening on " + shardmq::net::format_tcp_address(listener.local_endpoint()) + ", " +
         std::to_string(engine->core_count()) + " cores (PUs " + placement + ", " +
         (config.pin ? "pinned" : "not pinned") + "), balance " +
         std::string(shardmq::net::to_string(options.balance)));
    shardmq::net::metrics_registry registry;
    shardmq::net::add_tcp_source(registry, stack);
    std::optional<shardmq::net::stats_endpoint> stats;
    if (!options.stats.empty()) {
      stats.emplace(*engine, registry, options.stats);
      stats->start();
      note("stats on http://" + shardmq::net::format_tcp_address(stats->local_endpoint()) +
           "/stats and /metrics");
    }
    engine->wait();  // until SIGINT or SIGTERM
    note("stopped");
  } catch (const std::exception& error) {
    note(std::string("error: ") + error.what());
    if (engine->running()) engine->stop();
    return 1;
  }
  return 0;
}
