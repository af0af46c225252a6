#pragma once
// One connect() of a socket: keeps a connection to the endpoint, reconnecting with back-off after
// every failure (refused, reset, handshake failed) until the socket closes, or, when it closes
// with a linger and messages are still queued for the peer, until those are written or the linger
// ends (libzmq's session keeps its connecter during linger the same way). The pipe of this peer
// outlives the connections, so messages sent while disconnected wait for the next one.

#include "pipe.hpp"

#include <shardmq/net/tcp_connection.hpp>
#include <shardmq/net/tcp_stack.hpp>
#include <shardmq/timer/timer.hpp>

#include <asio/ip/tcp.hpp>

#include <chrono>
#include <optional>
#include <random>

namespace shardmq::net::zmq::detail {

class socket_core;

class tcp_connector {
 public:
  /// `keep_pipe`: make the peer's pipe now and keep it across reconnects (all types but ROUTER,
  /// whose pipes are keyed by the routing id the peer announces).
  tcp_connector(socket_core& owner, asio::ip::tcp::endpoint endpoint, bool keep_pipe);
  ~tcp_connector();
  tcp_connector(const tcp_connector&) = delete;
  tcp_connector& operator=(const tcp_connector&) = delete;

  void start();
  /// Stops reconnecting and cancels a connect in progress (its handler still runs). Ends a
  /// linger: may delete the socket (and this) unless the caller holds it.
  void stop() noexcept;
  /// The socket closes with a linger: go on connecting until the messages queued for this peer
  /// are written (then stop), or until stop(). Counts as an operation of the socket meanwhile,
  /// so the socket stays until then.
  void linger() noexcept;
  /// Between linger() and the end of that linger (the socket is closed).
  bool lingering() const noexcept { return lingering_; }
  /// Messages queued for the peer that no connection has taken yet.
  bool has_unsent() const noexcept { return pipe_ != nullptr && !pipe_->out.empty(); }

  pipe* pipe_for_connection() noexcept { return pipe_; }
  void handshake_done() noexcept;
  void connection_lost() noexcept;
  /// The delay the next retry would use, before jitter (tests read the back-off).
  std::chrono::milliseconds current_interval() const noexcept { return interval_; }
  const asio::ip::tcp::endpoint& endpoint() const noexcept { return endpoint_; }

 private:
  void attempt();
  void schedule_retry() noexcept;

  socket_core& owner_;
  asio::ip::tcp::endpoint endpoint_;
  pipe* pipe_ = nullptr;
  std::optional<tcp_connection::socket_type> connecting_;
  handler_factory factory_;
  std::chrono::milliseconds interval_;
  std::minstd_rand jitter_;
  bool stopped_ = false;
  bool lingering_ = false;
  bool first_attempt_ = true;
  shardmq::timer retry_timer_;
};

}  // namespace shardmq::net::zmq::detail
