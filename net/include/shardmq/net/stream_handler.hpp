#pragma once
// What a TCP connection tells the code that uses it.

#include <shardmq/alloc/slice.hpp>

#include <system_error>

namespace shardmq::net {

class tcp_connection;

/// The user side of one connection: told of received bytes and of the end. Every call runs on
/// the connection's core. A handler may call send/close/abort/pause_reading on the connection
/// from inside these calls.
class stream_handler {
 public:
  virtual ~stream_handler() = default;
  /// Bytes received, as a slice of a pooled buffer: keep it, cut it or send it on, no copy.
  virtual void on_data(tcp_connection& connection, alloc::slice data) = 0;
  /// The write queue came down to the low watermark after request_write_space().
  virtual void on_write_space(tcp_connection&) {}
  /// The connection is over: `reason` is asio::error::eof when the peer closed and everything
  /// queued was written, operation_aborted after abort() or at engine stop, else the socket
  /// error. The handler and the connection are destroyed right after this returns.
  virtual void on_closed(tcp_connection& connection, std::error_code reason) noexcept = 0;
};

}  // namespace shardmq::net
