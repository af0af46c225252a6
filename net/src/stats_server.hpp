#pragma once
// The stats endpoint's state on its home core: the listener, the open connections, the counters,
// and the gathering of every core's snapshot. Owned by its pending handlers (shared_ptr), so it
// ends with the last of them, or with the home core's io_context if the engine stops first.

#include <shardmq/core/engine.hpp>
#include <shardmq/net/metrics_registry.hpp>
#include <shardmq/net/stats_endpoint.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <unordered_set>
#include <vector>

namespace shardmq::net::detail {

class http_connection;

class stats_server : public std::enable_shared_from_this<stats_server> {
 public:
  /// Runs with every core's snapshot (index = core), or the error that stopped the gathering.
  using gather_handler = std::function<void(std::exception_ptr, std::vector<core_metrics>)>;

  /// On the home core's reactor thread, like every other call.
  stats_server(metrics_registry& registry, stats_endpoint_limits limits, asio::io_context& io);

  /// Binds and listens; throws std::system_error naming `address`.
  asio::ip::tcp::endpoint listen(const asio::ip::tcp::endpoint& address);
  void start_accepting() { accept_next(); }
  /// Closes the listener and every connection; `drained` runs once no gathering is in flight
  /// (no core runs a source of the registry any more).
  void stop(std::function<void()> drained);

  /// Asks every core for its snapshot through submit_to; `done` runs here, on the home core.
  void gather(gather_handler done);

  const stats_endpoint_limits& limits() const noexcept { return limits_; }
  asio::io_context& io_context() noexcept { return io_; }
  stats_endpoint_counters counters() const noexcept { return counters_; }

  // From connections.
  void connection_closed(http_connection& connection, bool timed_out);
  void response_written(int status) noexcept;

 private:
  struct gathering;

  void accept_next();
  void on_accept(const asio::error_code& error, asio::ip::tcp::socket socket);
  void gathering_finished(gathering& g);
  void write_own_metrics(metrics_writer& out) const;

  metrics_registry& registry_;
  const stats_endpoint_limits limits_;
  asio::io_context& io_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;  // after an accept error such as EMFILE: no busy loop
  std::unordered_set<http_connection*> connections_;
  stats_endpoint_counters counters_;
  std::uint64_t accept_errors_ = 0;
  std::uint64_t gatherings_ = 0;
  unsigned gatherings_in_flight_ = 0;
  bool stopping_ = false;
  std::function<void()> drained_;
};

}  // namespace shardmq::net::detail
