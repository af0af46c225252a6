#pragma once
// What a ZMTP connection needs from whoever serves it: the socket itself when the connection
// lives on the socket's core, or that socket's relay on the connection's core otherwise.

#include "pipe.hpp"

#include <shardmq/net/zmq/socket_options.hpp>
#include <shardmq/net/zmtp/socket_type.hpp>

#include <string_view>

namespace shardmq::net::zmq::detail {

class zmtp_connection;

class connection_owner : public pipe_owner {
 public:
  virtual zmtp::socket_type type() const noexcept = 0;
  virtual const socket_options& options() const noexcept = 0;
  /// A new pipe for a connection (not persistent: it goes with the connection).
  virtual pipe& make_pipe(bool persistent) = 0;
  /// The peer behind `p` finished its handshake; `peer_identity` is what it announced. False:
  /// refused (PAIR's second peer, a duplicate ROUTER id): the caller closes that peer.
  virtual bool attach_pipe(pipe& p, std::string_view peer_identity) = 0;
  virtual void connection_opened(zmtp_connection& c) = 0;
  virtual void connection_closed(zmtp_connection& c) noexcept = 0;
  /// A connection was closed for bad input: at or before the handshake, or after it.
  virtual void count_failure(bool handshake) noexcept = 0;

 protected:
  ~connection_owner() = default;
};

}  // namespace shardmq::net::zmq::detail
