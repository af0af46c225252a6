#pragma once
// One socket per core, all serving one TCP endpoint: the form a server takes to scale. Each
// accepted connection is placed on a core (balance_policy, as for tcp_listener) and belongs to
// that core's socket, so its messages never cross cores; each core runs its own loop over
// local().
//
//   net::zmq::sharded_socket pull(stack, net::zmq::socket_type::pull);   // off the reactors
//   pull.bind("tcp://0.0.0.0:5555");
//   engine.run_on_all([&] { serve(pull.local()); }, asio::use_future).get();

#include <shardmq/net/balance_policy.hpp>
#include <shardmq/net/zmq/socket.hpp>
#include <shardmq/net/zmq/socket_options.hpp>
#include <shardmq/net/zmq/socket_stats.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shardmq::net {
class tcp_listener;
class tcp_stack;
}  // namespace shardmq::net

namespace shardmq::net::zmq {

/// A socket of one type on every core of an engine, bound together. Made, bound, read for stats
/// and closed from a thread that is not a reactor (these wait for the cores), while the engine
/// runs; local() is for the reactor threads. Messages stay on the core of their connection: a
/// ROUTER shard routes only to its own peers, a PULL shard receives only from its own.
class sharded_socket {
 public:
  /// One socket of `type` per core. std::logic_error on a reactor thread or a stopped engine.
  sharded_socket(tcp_stack& stack, socket_type type, socket_options options = {},
                 balance_policy policy = balance_policy::round_robin);
  /// Closes (see close()).
  ~sharded_socket();
  sharded_socket(const sharded_socket&) = delete;
  sharded_socket& operator=(const sharded_socket&) = delete;

  /// Binds every shard to `endpoint`: tcp:// only (port * picks one port for all of them).
  /// std::invalid_argument for another transport, std::system_error when it cannot be bound.
  void bind(std::string_view endpoint);
  /// The last bound endpoint, with the real port; every shard's last_endpoint() says the same.
  std::string last_endpoint() const;

  /// The calling core's shard (on a reactor thread of the engine). std::logic_error elsewhere or
  /// after close().
  socket& local();
  /// The shard of `core`: use it on that core only.
  socket& shard(unsigned core);
  unsigned shard_count() const noexcept { return static_cast<unsigned>(shards_.size()); }

  /// The shards' counters added up (asks every core).
  socket_stats stats() const;

  /// Stops accepting, then closes every shard on its core: queued messages linger as for a
  /// socket. Safe to call twice; after the engine stopped it only lets go.
  void close() noexcept;

 private:
  struct placement;

  tcp_stack& stack_;
  socket_type type_;
  balance_policy policy_;
  std::vector<std::unique_ptr<socket>> shards_;
  std::shared_ptr<placement> placement_;
  std::vector<std::unique_ptr<tcp_listener>> listeners_;
  std::string last_endpoint_;
  bool closed_ = false;
};

}  // namespace shardmq::net::zmq
