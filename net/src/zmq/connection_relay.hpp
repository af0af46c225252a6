#pragma once
// Serves a socket's connections that were placed on another core than the socket's own: the
// connection runs its ZMTP there (decoding, encoding, syscalls) and its messages reach the
// socket through a relayed cross_core_link, one SPSC ring per direction sized by the socket's
// high-water marks. One relay per (socket, core), made by the first connection placed there.

#include "connection_owner.hpp"

#include <shardmq/core/reactor.hpp>
#include <shardmq/timer/timer.hpp>

#include <memory>
#include <vector>

namespace shardmq {
class engine;
}

namespace shardmq::net::zmq::detail {

class connection_relay;
class cross_core_link;
class socket_core;

/// What a socket shares with its relays and with connections on their way to them. `relays[k]`
/// and `closed[k]` are touched on core k only; `socket` on the home core only.
struct relay_table {
  relay_table(engine& owner, socket_core& socket, unsigned cores);
  engine& owner;
  const unsigned home_core;
  const zmtp::socket_type type;
  const socket_options options;
  socket_core* socket;
  std::vector<connection_relay*> relays;
  std::vector<char> closed;  // the socket closed: no relay on that core takes a connection
};

class connection_relay final : public connection_owner, public reactor_stop_hook {
 public:
  /// The calling core's relay for the table's socket, made if need be; null once it closed.
  static connection_relay* on_this_core(const std::shared_ptr<relay_table>& table);
  /// On a relay's core, when its socket closes: connections still in their handshake end now,
  /// the others when the socket's side of their link is gone (after their queued messages).
  static void socket_closed(const std::shared_ptr<relay_table>& table) noexcept;

  connection_relay(const connection_relay&) = delete;
  connection_relay& operator=(const connection_relay&) = delete;

  // connection_owner
  zmtp::socket_type type() const noexcept override { return table_->type; }
  const socket_options& options() const noexcept override { return table_->options; }
  pipe& make_pipe(bool persistent) override;
  bool attach_pipe(pipe& p, std::string_view peer_identity) override;
  void detach_pipe(pipe& p) noexcept override;
  void pipe_in_ready(pipe& p) override;
  void pipe_out_space(pipe& p) override;
  void socket_side_gone(pipe& p, bool refused) noexcept override;
  void connection_opened(zmtp_connection& c) override;
  void connection_closed(zmtp_connection& c) noexcept override;
  void count_failure(bool handshake) noexcept override;

  void on_reactor_stop() noexcept override;

 private:
  struct relayed_pipe;

  explicit connection_relay(std::shared_ptr<relay_table> table);
  ~connection_relay();
  static relayed_pipe& relayed(pipe& p) noexcept;
  void release(relayed_pipe& p) noexcept;
  void start_linger() noexcept;
  void abort_all() noexcept;
  void maybe_delete() noexcept;

  std::shared_ptr<relay_table> table_;
  const unsigned core_;
  std::vector<std::unique_ptr<relayed_pipe>> pipes_;
  std::vector<zmtp_connection*> connections_;
  bool closing_ = false;
  unsigned busy_ = 0;  // inside a call that may end connections: deletion waits
  shardmq::timer linger_timer_;
  bool lingering_ = false;
};

}  // namespace shardmq::net::zmq::detail
