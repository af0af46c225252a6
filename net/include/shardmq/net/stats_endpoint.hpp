#pragma once

#include <shardmq/core/engine.hpp>
#include <shardmq/net/metrics_registry.hpp>

#include <asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace shardmq::net {

namespace detail {
class stats_server;
}

/// How much one client may cost the endpoint.
struct stats_endpoint_limits {
  /// From accept to close, per connection: a slow or silent client is closed after this long.
  std::chrono::milliseconds deadline{5000};
  /// Connections served at once; more are accepted and closed at once (counted as rejected).
  std::size_t max_connections = 64;
  /// Request line plus headers; a longer head is answered 431.
  std::size_t max_request_head = 8 * 1024;
};

/// The endpoint's own counters (its home core's state; also group "http" of that core in
/// /stats and /metrics).
struct stats_endpoint_counters {
  std::uint64_t accepted = 0;       ///< connections accepted, rejected ones included
  std::uint64_t rejected = 0;       ///< closed at once: max_connections were open
  std::uint64_t open = 0;           ///< connections being served now
  std::uint64_t closed = 0;         ///< served connections closed (any reason)
  std::uint64_t timed_out = 0;      ///< closed by the deadline
  std::uint64_t responses = 0;      ///< responses written, any status
  std::uint64_t client_errors = 0;  ///< 4xx responses
  std::uint64_t server_errors = 0;  ///< 5xx responses (a source threw, or the engine is stopping)
};

/// An HTTP/1.1 server on one reactor (its home core) that answers GET /stats (JSON, per core
/// and totals) and GET /metrics (Prometheus text), gathering each request's snapshot by
/// messaging every core of the engine. Everything else is 404 (unknown path), 405 (not GET), 400
/// (malformed) or 431 (head too long); every response closes its connection.
///
/// Use: make a metrics_registry (add any sources), start the engine, then stats_endpoint::start();
/// call stop() before the engine stops. start(), stop() and counters() block and must be called
/// from a thread that is not a reactor. If the engine stops first, the server ends with it.
class stats_endpoint {
 public:
  /// Throws std::invalid_argument for a listen address that is not "IP:PORT" / "[IPv6]:PORT" or
  /// a home core the engine does not have.
  stats_endpoint(engine& e, metrics_registry& registry, std::string_view listen = "127.0.0.1:9100",
                 unsigned home_core = 0, stats_endpoint_limits limits = {});
  /// Calls stop().
  ~stats_endpoint();
  stats_endpoint(const stats_endpoint&) = delete;
  stats_endpoint& operator=(const stats_endpoint&) = delete;

  /// Binds, listens and starts serving on the home core; seals the registry. Throws
  /// std::system_error when the address cannot be bound (in use, not local, ...) with the address
  /// in the message, std::logic_error when already started, the engine is not running, or on a
  /// reactor thread.
  void start();
  /// Closes the listener and every connection, and returns once no core runs a source for this
  /// endpoint any more. Does nothing if not started. Throws std::logic_error on a reactor thread.
  void stop();
  bool running() const noexcept { return running_; }

  /// The bound address (the real port when the listen address said 0); valid after start().
  asio::ip::tcp::endpoint local_endpoint() const noexcept { return bound_; }
  unsigned home_core() const noexcept { return home_core_; }

  /// The counters now (asked of the home core), or as they were at stop().
  stats_endpoint_counters counters();

 private:
  void check_outside(const char* what) const;

  engine& engine_;
  metrics_registry& registry_;
  const asio::ip::tcp::endpoint listen_;
  const unsigned home_core_;
  const stats_endpoint_limits limits_;
  // Owned by the home core's handlers; only locked on the home core.
  std::weak_ptr<detail::stats_server> server_;
  asio::ip::tcp::endpoint bound_;
  stats_endpoint_counters last_counters_;
  bool running_ = false;
};

}  // namespace shardmq::net
