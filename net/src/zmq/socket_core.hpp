#pragma once
// The state of one socket on its home core, shared by every socket type: the pipes to its peers,
// the load balancer and fair queue over them, its bindings and connectors, the pending
// asynchronous operations and the counters. Each socket type (push.cpp, router.cpp, ...) is a
// thin subclass deciding where a message goes and where the next one comes from.

#include "connection_owner.hpp"
#include "fair_queue.hpp"
#include "load_balancer.hpp"
#include "pipe.hpp"

#include <shardmq/core/reactor.hpp>
#include <shardmq/net/zmq/endpoint.hpp>
#include <shardmq/net/zmq/socket.hpp>
#include <shardmq/timer/timer.hpp>

#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace shardmq::net {
class tcp_stack;
}

namespace shardmq::net::zmq::detail {

class tcp_binding;
struct relay_table;
class tcp_connector;
class zmtp_connection;

class socket_core : public reactor_stop_hook, public connection_owner {
 public:
  socket_core(tcp_stack& stack, socket_type type, socket_options options);
  virtual ~socket_core();
  socket_core(const socket_core&) = delete;
  socket_core& operator=(const socket_core&) = delete;

  // --- the public socket's calls ------------------------------------------------------------
  void bind(std::string_view endpoint);
  void connect(std::string_view endpoint);
  std::string last_endpoint() const { return last_endpoint_; }
  std::error_code try_send(message& msg);
  std::error_code try_receive(message& out);
  void start_send(send_op* op);
  void start_receive(receive_op* op);
  /// The user let go: pending operations fail, queued messages linger, then this deletes itself.
  void close() noexcept;

  socket_type type() const noexcept final { return type_; }
  const socket_options& options() const noexcept final { return options_; }
  unsigned home_core() const noexcept { return home_core_; }
  socket_stats& stats() noexcept { return stats_; }
  tcp_stack& stack() const noexcept { return stack_; }
  asio::io_context::executor_type executor() const noexcept { return executor_; }
  bool closing() const noexcept { return closing_; }
  /// "push-3": the type and a number unique in the process (stats labels, logs).
  const std::string& name() const noexcept { return name_; }
  /// The last bind, else the first connect, else "" (stats labels).
  std::string label_endpoint() const;
  /// A sharded_socket's shard: the endpoint its connections come from (last_endpoint, labels).
  void set_shared_endpoint(std::string endpoint) { last_endpoint_ = std::move(endpoint); }
  /// Throws std::logic_error unless called on the home core's reactor thread.
  void check_thread() const;

  // --- pipes: called by connections and inproc links ----------------------------------------
  /// A new pipe owned by this socket.
  pipe& make_pipe(bool persistent) final;
  /// The peer behind `p` finished its handshake; `peer_identity` is what it announced. False:
  /// refused (PAIR's second peer, a duplicate ROUTER id): the caller closes that peer.
  bool attach_pipe(pipe& p, std::string_view peer_identity) final;
  /// The peer behind `p` is gone. A persistent pipe stays (for the next connection); others are
  /// destroyed once their received messages are read.
  void detach_pipe(pipe& p) noexcept final;
  /// Removes `p` now (its peer, if any, is told through pipe_destroyed).
  void destroy_pipe(pipe& p) noexcept;
  /// `p.in` went from empty to not empty.
  void pipe_in_ready(pipe& p) final;
  /// `p.out` went from full to not full.
  void pipe_out_space(pipe& p) final;

  // --- connections ----------------------------------------------------------------------------
  void connection_opened(zmtp_connection& c) final;
  void connection_closed(zmtp_connection& c) noexcept final;
  void count_failure(bool handshake) noexcept final {
    ++(handshake ? stats_.handshake_failures : stats_.protocol_errors);
  }
  /// Counts an operation whose handler refers to this socket (accept, connect).
  void operation_started() noexcept { ++pending_operations_; }
  void operation_finished() noexcept;

  void on_reactor_stop() noexcept override;

  /// With options().spread on an engine of several cores: what this socket shares with its
  /// relays on the other cores (made on first use). Null otherwise.
  std::shared_ptr<relay_table> spread_table();

 protected:
  // What a socket type decides. xsend/xrecv return would_block() when they must wait.
  virtual std::error_code xsend(message& msg) = 0;
  virtual std::error_code xrecv(message& out) = 0;
  /// A pipe is ready for traffic. False refuses the peer.
  virtual bool xattach(pipe& p) = 0;
  /// The pipe leaves (called before it is destroyed or parked).
  virtual void xdetach(pipe& p) noexcept = 0;
  virtual void xin_ready(pipe& p) { fq_.activated(p); }
  virtual void xout_space(pipe& p) { lb_.activated(p); }
  /// Whether the type sends / receives at all (ENOTSUP otherwise).
  virtual bool can_send() const noexcept { return true; }
  virtual bool can_receive() const noexcept { return true; }

  // Shared routing pieces for the types.
  /// Queues `msg` on `p.out`, telling the peer when `out` was empty. The caller checked room.
  void push_out(pipe& p, message&& msg);
  /// Takes the front of `p.in`, telling the peer when `in` was full.
  message pop_in(pipe& p);
  /// Load-balanced send over lb_ (PUSH, DEALER, REQ).
  std::error_code send_balanced(message& msg, pipe** used = nullptr);
  /// Fair-queued receive over fq_ (PULL, DEALER, ROUTER, REP). `from` is the pipe it came from,
  /// null when that pipe is gone now (its peer left and this was its last message);
  /// `prepend_routing_id` puts the pipe's routing id first (ROUTER).
  std::error_code receive_fair(message& out, pipe** from = nullptr, bool prepend_routing_id = false);

  load_balancer lb_;
  fair_queue fq_;

 private:
  void retry_pending_send();
  void retry_pending_receive();
  void abort_connections() noexcept;
  void fail_pending(std::error_code error) noexcept;
  void end_linger() noexcept;
  void maybe_delete() noexcept;
  /// Closing with linger: a pipe to a relayed connection still holds messages for its ring.
  bool relayed_output_waits() const noexcept;
  void bind_inproc(const endpoint& e);
  void connect_inproc(const endpoint& e);
  void connect_inproc_across_cores(const endpoint& e, unsigned bound_core);

  tcp_stack& stack_;
  socket_type type_;
  socket_options options_;
  unsigned home_core_;
  reactor* home_reactor_;
  asio::io_context::executor_type executor_;
  socket_stats stats_;
  std::vector<std::unique_ptr<pipe>> pipes_;
  std::vector<std::unique_ptr<tcp_binding>> bindings_;
  std::vector<std::unique_ptr<tcp_connector>> connectors_;
  std::vector<zmtp_connection*> connections_;
  std::vector<std::string> inproc_names_;
  send_op* pending_send_ = nullptr;
  receive_op* pending_receive_ = nullptr;
  std::string last_endpoint_;
  std::string first_connect_;
  std::string name_;
  std::size_t pending_operations_ = 0;
  bool closing_ = false;        // the user closed it
  bool stopped_ = false;        // the engine stopped: nothing runs any more
  bool lingering_ = false;      // closed, and connectors may still deliver what was queued
  bool user_released_ = false;  // no public handle refers to it: delete when the rest is done
  // Inside retry_pending_send / retry_pending_receive: a nested call of the same one returns.
  bool retrying_send_ = false;
  bool retrying_receive_ = false;
  unsigned busy_ = 0;  // inside close() or the stop hook: deletion waits for their end
  std::unique_ptr<shardmq::timer> linger_timer_;
  bool linger_expired_ = false;
  std::shared_ptr<relay_table> relays_;
};

/// Makes the socket_core subclass for `type` (push.cpp, pull.cpp, ...).
std::unique_ptr<socket_core> make_socket_core(tcp_stack& stack, socket_type type,
                                              const socket_options& options);

}  // namespace shardmq::net::zmq::detail
