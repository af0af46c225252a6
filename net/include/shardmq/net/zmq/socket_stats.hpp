#pragma once
// What a socket counts. Written on its home core only; read there (or via the stats endpoint,
// which asks that core).

#include <cstdint>

namespace shardmq::net::zmq {

/// Counters of one socket.
struct socket_stats {
  std::uint64_t messages_out = 0;
  std::uint64_t bytes_out = 0;  ///< payload bytes of the frames, without framing
  std::uint64_t messages_in = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t drops = 0;               ///< messages dropped: ROUTER unroutable or full peer, REQ/REP stray
  std::uint64_t hwm_waits = 0;           ///< sends that found every eligible peer at its high-water mark
  std::uint64_t handshake_failures = 0;  ///< connections closed before or at the ZMTP handshake
  std::uint64_t protocol_errors = 0;     ///< closed after the handshake: bad frame, heartbeat or PING TTL
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_made = 0;    ///< outgoing connections established
  std::uint64_t reconnect_attempts = 0;  ///< outgoing tries after the first
  std::uint64_t disconnects = 0;
  std::uint64_t peers = 0;  ///< peers with a completed handshake now (plus inproc peers)
};

}  // namespace shardmq::net::zmq
