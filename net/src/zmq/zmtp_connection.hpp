#pragma once
// One ZMTP peer of a socket over a TCP connection on the socket's core: runs the handshake
// (null_session), turns frames into messages for the pipe's `in`, and encodes the pipe's `out`
// into gathered writes. Nothing is sent before the peer's READY has arrived: libzmq drops a peer
// whose message reaches it before it has sent its own READY.

#include "pipe.hpp"

#include <shardmq/net/stream_handler.hpp>
#include <shardmq/net/tcp_connection.hpp>
#include <shardmq/net/zmtp/null_session.hpp>
#include <shardmq/timer/timer.hpp>

#include <cstdint>
#include <string>

namespace shardmq::net::zmq::detail {

class socket_core;
class tcp_connector;

class zmtp_connection final : public stream_handler, public pipe_peer {
 public:
  /// `connector` is null for an accepted connection.
  zmtp_connection(socket_core& owner, tcp_connection& connection, tcp_connector* connector);
  ~zmtp_connection() override;

  // stream_handler
  void on_data(tcp_connection& connection, alloc::slice data) override;
  void on_write_space(tcp_connection& connection) override;
  void on_closed(tcp_connection& connection, std::error_code reason) noexcept override;
  // pipe_peer
  void out_ready(pipe& p) override;
  void in_space(pipe& p) override;

  /// The socket closes: write what is queued, then close (linger), or abort now.
  void close_gracefully() noexcept;
  void abort() noexcept;
  void pipe_destroyed(pipe&) noexcept override { pipe_ = nullptr; }

  std::size_t index = 0;  // in the socket's connection list

 private:
  void process(alloc::slice& input);
  void on_ready();
  bool deliver(message&& m);  // false: the pipe is full, reading paused
  void pump_out();
  void encode(message& m);
  void append(std::span<const std::byte> bytes);
  void flush_batch();
  void write_control();
  void fail(const zmtp::error& error, bool handshake) noexcept;
  void on_handshake_timeout() noexcept;
  void on_heartbeat() noexcept;
  void start_heartbeat();

  socket_core& owner_;
  tcp_connection& connection_;
  tcp_connector* connector_;
  zmtp::null_session session_;
  pipe* pipe_ = nullptr;
  message assembling_;
  std::uint64_t assembling_bytes_ = 0;
  message blocked_message_;     // a whole message waiting for room in a full `in`
  alloc::slice blocked_input_;  // the rest of the read that came after it
  bool blocked_ = false;
  bool pumping_ = false;
  bool closing_ = false;
  bool failed_ = false;
  bool heard_since_tick_ = false;
  unsigned silent_ticks_ = 0;
  alloc::slice batch_;  // the pooled buffer small frames are copied into
  std::size_t batch_used_ = 0;
  shardmq::timer handshake_timer_;
  shardmq::timer heartbeat_timer_;
};

}  // namespace shardmq::net::zmq::detail
