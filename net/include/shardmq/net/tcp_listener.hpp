#pragma once
// Accepts TCP connections and places each on a core (tcp_stack's balance policies).

#include <shardmq/net/balance_policy.hpp>
#include <shardmq/net/tcp_stack.hpp>

#include <asio/ip/tcp.hpp>

#include <memory>

namespace shardmq::net {

/// Set-up of a listener.
struct listener_options {
  balance_policy policy = balance_policy::round_robin;
  /// The core whose reactor accepts (round_robin and least_loaded; reuseport accepts on all).
  unsigned home_core = 0;
  int backlog = 1024;
};

/// A listening endpoint of an engine. start() and stop() are for threads that are not reactors
/// (they wait for the cores). The acceptors end with the engine's stop at the latest; start
/// again after a restart.
class tcp_listener {
 public:
  tcp_listener(tcp_stack& stack, asio::ip::tcp::endpoint endpoint, handler_factory factory,
               listener_options options = {});
  /// Stops accepting (see stop()).
  ~tcp_listener();
  tcp_listener(const tcp_listener&) = delete;
  tcp_listener& operator=(const tcp_listener&) = delete;

  /// Opens the acceptor(s) and starts accepting. Throws std::system_error when the address cannot
  /// be bound (e.g. in use), std::logic_error on a reactor thread or a stopped engine,
  /// std::invalid_argument for a home core the engine does not have.
  void start();
  /// Stops accepting; connections already accepted carry on. Safe to call twice.
  void stop();
  /// The bound address (the real port when asked for port 0). Valid after start().
  asio::ip::tcp::endpoint local_endpoint() const;

  struct shared_state;

 private:
  std::shared_ptr<shared_state> state_;
};

}  // namespace shardmq::net
