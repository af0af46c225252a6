#include "socket_core.hpp"
#include "socket_directory.hpp"

#include <shardmq/net/tcp_stack.hpp>
#include <shardmq/net/zmq/socket_metrics.hpp>

#include <algorithm>
#include <string>

namespace shardmq::net::zmq {

namespace detail {

socket_directory& socket_directory::instance() {
  static socket_directory directory;
  return directory;
}

void socket_directory::add(socket_core& socket) {
  std::lock_guard lock(mutex_);
  sockets_.push_back(&socket);
}

void socket_directory::remove(socket_core& socket) noexcept {
  std::lock_guard lock(mutex_);
  auto it = std::find(sockets_.begin(), sockets_.end(), &socket);
  if (it != sockets_.end()) {
    *it = sockets_.back();
    sockets_.pop_back();
  }
}

template <class Fn>
void socket_directory::for_each_on(const void* owner, unsigned core, Fn&& fn) {
  std::lock_guard lock(mutex_);
  for (socket_core* socket : sockets_) {
    if (socket->home_core() == core && &socket->stack().owner() == owner) fn(*socket);
  }
}

}  // namespace detail

void add_zmq_source(metrics_registry& registry) {
  registry.add_source("zmq", [](metrics_writer& out) {
    detail::socket_directory::instance().for_each_on(
        &this_reactor().owner(), this_core(), [&out](detail::socket_core& socket) {
          const socket_stats& s = socket.stats();
          const metric_labels labels = {{"socket", socket.name()},
                                        {"type", std::string(zmtp::socket_type_name(socket.type()))},
                                        {"endpoint", socket.label_endpoint()}};
          out.counter("messages_in", "Messages received by the application from this socket.", s.messages_in,
                      labels);
          out.counter("messages_out", "Messages the application sent on this socket.", s.messages_out,
                      labels);
          out.counter("bytes_in", "Payload bytes received (frames, without framing).", s.bytes_in, labels);
          out.counter("bytes_out", "Payload bytes sent (frames, without framing).", s.bytes_out, labels);
          out.counter("drops", "Messages dropped (ROUTER unroutable or full peer, stray replies).", s.drops,
                      labels);
          out.counter("hwm_waits", "Sends that found every peer at its high-water mark.", s.hwm_waits,
                      labels);
          out.counter("handshake_failures", "Connections closed before or at the ZMTP handshake.",
                      s.handshake_failures, labels);
          out.counter("protocol_errors", "Connections closed for a bad frame after the handshake.",
                      s.protocol_errors, labels);
          out.counter("connections_accepted", "Connections accepted by the socket's binds.",
                      s.connections_accepted, labels);
          out.counter("connections_made", "Outgoing connections established.", s.connections_made, labels);
          out.counter("reconnect_attempts", "Connection attempts after the first, per connect.",
                      s.reconnect_attempts, labels);
          out.counter("disconnects", "Peers that went away.", s.disconnects, labels);
          out.gauge("peers", "Peers with a completed handshake (and inproc peers).", s.peers, labels);
        });
  });
}

}  // namespace shardmq::net::zmq
