#pragma once
// The options of a socket, named after libzmq's (ZMQ_SNDHWM and so on), with libzmq's defaults.

#include <shardmq/net/balance_policy.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace shardmq::net::zmq {

/// Set-up of a socket; read when it is created (and, for connections, when each one opens).
struct socket_options {
  /// Messages queued per peer for sending (libzmq ZMQ_SNDHWM, default 1000). PUSH, DEALER, REQ
  /// and PAIR wait when every peer is full; ROUTER drops (counted). 0 means no limit.
  std::uint32_t sndhwm = 1000;
  /// Messages queued per peer after receiving (ZMQ_RCVHWM); a full queue stops reading that
  /// peer's connection (TCP pushes back). 0 means no limit.
  std::uint32_t rcvhwm = 1000;
  /// Sent in READY as Identity (REQ, DEALER and ROUTER); a peer ROUTER routes to us by it.
  /// 0..255 bytes, not starting with a zero byte.
  std::string routing_id;
  /// How long close() lets queued messages go out before connections are aborted
  /// (ZMQ_LINGER; negative: until written or the engine stops).
  std::chrono::milliseconds linger{-1};
  /// Reconnect back-off (ZMQ_RECONNECT_IVL / _MAX): the first retry after reconnect_ivl plus a
  /// random jitter in [0, reconnect_ivl); with a max above the interval, each failure doubles
  /// the interval up to the max. Applies to every failure: refused, reset, handshake failed.
  std::chrono::milliseconds reconnect_ivl{100};
  std::chrono::milliseconds reconnect_ivl_max{0};
  /// Largest message accepted from a peer, in bytes (ZMQ_MAXMSGSIZE; -1: no limit). A peer
  /// sending more is disconnected and counted.
  std::int64_t maxmsgsize = -1;
  /// ROUTER: sending to an unknown routing id fails with host_unreachable instead of being
  /// dropped, and a full peer makes the send wait instead of dropping.
  bool router_mandatory = false;
  /// A connection that has not finished the ZMTP handshake by then is closed (ZMQ_HANDSHAKE_IVL;
  /// 0: no limit).
  std::chrono::milliseconds handshake_ivl{30000};
  /// PING every heartbeat_ivl when set (ZMQ_HEARTBEAT_IVL); the connection is dropped if nothing
  /// arrives within heartbeat_timeout (default: the interval). heartbeat_ttl is sent in the
  /// PING for the peer (ZMQ_HEARTBEAT_TTL, deciseconds on the wire).
  std::chrono::milliseconds heartbeat_ivl{0};
  std::chrono::milliseconds heartbeat_timeout{0};
  std::chrono::milliseconds heartbeat_ttl{0};
  /// Accepted TCP connections spread over the engine's cores by this policy (round_robin or
  /// least_loaded), each decoded, encoded and written on its own core and joined to the
  /// socket's core by one SPSC ring per direction, sized by sndhwm/rcvhwm. Unset (the default):
  /// every connection is served on the socket's core, which costs no cross-core hop — better for
  /// a few busy peers; spread many peers over the cores, or use a sharded_socket to also spread
  /// the sockets. Outgoing connections (connect) stay on the socket's core.
  std::optional<balance_policy> spread;
};

/// Throws std::invalid_argument naming the option that is out of range.
void validate(const socket_options& options);

}  // namespace shardmq::net::zmq
