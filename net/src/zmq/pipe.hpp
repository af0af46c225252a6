#pragma once
// A socket's queue pair to one peer: messages from the peer (`in`, bounded by rcvhwm) and to it
// (`out`, bounded by sndhwm). The socket reads `in` and fills `out`; the peer side (a ZMTP
// connection, or the pipe of an inproc peer socket) does the opposite. Each side tells the other
// only about transitions (empty -> not empty, full -> not full), as libzmq's pipes do.

#include "message_ring.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace shardmq::net::zmq::detail {

class pipe;

/// The near side of a pipe: reads `in` and fills `out`. A socket, or the relay that forwards a
/// connection served on another core to its socket.
class pipe_owner {
 public:
  /// `p.in` went from empty to not empty.
  virtual void pipe_in_ready(pipe& p) = 0;
  /// `p.out` went from full to not full.
  virtual void pipe_out_space(pipe& p) = 0;
  /// The peer behind `p` is gone.
  virtual void detach_pipe(pipe& p) noexcept = 0;
  /// A relay's pipe: the socket it forwarded to is gone, or `refused` the peer (a socket never
  /// sees this).
  virtual void socket_side_gone(pipe&, bool /*refused*/) noexcept {}

 protected:
  ~pipe_owner() = default;
};

/// The far side of a pipe, as the socket sees it.
class pipe_peer {
 public:
  virtual ~pipe_peer() = default;
  /// The socket queued messages into `out` (it was empty, or the peer asked to be told).
  virtual void out_ready(pipe& p) = 0;
  /// The socket took messages from a full `in`: the peer may push again.
  virtual void in_space(pipe& p) = 0;
  /// The socket destroys `p` (it closes, or the peer's received messages are all read).
  virtual void pipe_destroyed(pipe& p) noexcept = 0;
};

/// One peer of a socket. Owned by the socket; lives on its home core.
class pipe {
 public:
  pipe(pipe_owner& owner, std::uint32_t sndhwm, std::uint32_t rcvhwm)
      : in(rcvhwm), out(sndhwm), owner_(&owner) {}
  pipe(const pipe&) = delete;
  pipe& operator=(const pipe&) = delete;

  pipe_owner& owner() const noexcept { return *owner_; }

  message_ring in;
  message_ring out;
  /// Who drains `out` and fills `in`; null while disconnected (a connecting pipe keeps its
  /// queued messages until a connection takes it).
  pipe_peer* peer = nullptr;
  /// ROUTER: the peer's routing id (its Identity or a generated one).
  std::string routing_id;
  /// Positions in the socket's load balancer and fair queue (npos: not in it).
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t lb_index = npos;
  std::size_t fq_index = npos;
  /// The peer is gone for good: the socket drops the pipe once `in` is read out.
  bool terminating = false;
  /// Made by connect(): survives disconnects, waiting for the next connection.
  bool persistent = false;
  /// The peer is a connection served on another core (through a relay).
  bool relayed = false;
  /// The peer completed its handshake at least once (ROUTER ids, PAIR's single peer).
  bool attached = false;

 private:
  pipe_owner* owner_;
};

}  // namespace shardmq::net::zmq::detail
