#include <shardmq/net/tcp_metrics.hpp>

namespace shardmq::net {

void add_tcp_source(metrics_registry& registry, tcp_stack& stack) {
  registry.add_source("tcp", [&stack](metrics_writer& out) {
    const tcp_counters& c = stack.counters();
    out.counter("accepted", "Connections accepted onto this core.", c.accepted);
    out.counter("connected", "Outgoing connections established on this core.", c.connected);
    out.counter("closed", "Connections of this core that ended.", c.closed);
    out.gauge("open", "Connections open on this core.", c.open());
    out.counter("bytes_in", "Bytes received by this core's connections.", c.bytes_in);
    out.counter("bytes_out", "Bytes sent by this core's connections.", c.bytes_out);
    out.counter("write_calls", "send/sendmsg calls made by this core's connections.", c.write_calls);
    out.counter("errors", "Connections of this core ended by a socket error.", c.errors);
    out.counter("read_pauses", "Times a connection stopped reading because its peer was not reading.",
                c.read_pauses);
    out.counter("accept_errors", "Failed accepts on this core.", c.accept_errors);
    out.counter("connect_errors", "Failed outgoing connections placed on this core.", c.connect_errors);
  });
}

}  // namespace shardmq::net
