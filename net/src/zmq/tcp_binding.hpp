#pragma once
// One bind() of a socket to a TCP address: accepts on the socket's home core and gives each
// connection a ZMTP handler of that socket.

#include <shardmq/net/tcp_connection.hpp>
#include <shardmq/net/tcp_stack.hpp>

#include <asio/basic_socket_acceptor.hpp>
#include <asio/basic_waitable_timer.hpp>
#include <asio/ip/tcp.hpp>

#include <memory>

namespace shardmq::net::zmq::detail {

class socket_core;
struct relay_table;

class tcp_binding {
 public:
  /// Binds and listens now: std::system_error when the address cannot be bound.
  tcp_binding(socket_core& owner, const asio::ip::tcp::endpoint& endpoint);
  tcp_binding(const tcp_binding&) = delete;
  tcp_binding& operator=(const tcp_binding&) = delete;

  /// Stops accepting (the pending accept's handler still runs).
  void stop() noexcept;
  asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void accept_next();
  /// Serves `peer` on the core the socket's spread policy picks.
  void place(tcp_connection::socket_type peer);
  void retry_later(std::error_code error);

  using acceptor_type = asio::basic_socket_acceptor<asio::ip::tcp, asio::io_context::executor_type>;
  socket_core& owner_;
  acceptor_type acceptor_;
  handler_factory factory_;
  std::shared_ptr<relay_table> relays_;  // null: every connection stays on the socket's core
  asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>,
                             asio::io_context::executor_type>
      retry_;
  bool stopped_ = false;
  bool failing_ = false;  // the last accept failed
};

}  // namespace shardmq::net::zmq::detail
