#include <shardmq/net/zmq/socket_options.hpp>

#include <stdexcept>

namespace shardmq::net::zmq {

void validate(const socket_options& options) {
  if (options.routing_id.size() > 255) {
    throw std::invalid_argument("shardmq: routing_id is longer than 255 bytes");
  }
  if (!options.routing_id.empty() && options.routing_id[0] == '\0') {
    throw std::invalid_argument("shardmq: routing_id may not start with a zero byte (reserved by ZMTP)");
  }
  if (options.reconnect_ivl.count() <= 0)
    throw std::invalid_argument("shardmq: reconnect_ivl must be positive");
  if (options.reconnect_ivl_max.count() < 0)
    throw std::invalid_argument("shardmq: reconnect_ivl_max is negative");
  if (options.maxmsgsize < -1)
    throw std::invalid_argument("shardmq: maxmsgsize must be -1 (no limit) or >= 0");
  if (options.handshake_ivl.count() < 0) throw std::invalid_argument("shardmq: handshake_ivl is negative");
  if (options.heartbeat_ivl.count() < 0 || options.heartbeat_timeout.count() < 0 ||
      options.heartbeat_ttl.count() < 0) {
    throw std::invalid_argument("shardmq: heartbeat intervals may not be negative");
  }
  if (options.spread == balance_policy::reuseport) {
    throw std::invalid_argument(
        "shardmq: spread takes round_robin or least_loaded (one acceptor per socket; a sharded_socket "
        "can use reuseport)");
  }
  if (options.heartbeat_ttl.count() > 6553500) {
    throw std::invalid_argument("shardmq: heartbeat_ttl is above 6553.5 s (the wire field's limit)");
  }
}

}  // namespace shardmq::net::zmq
