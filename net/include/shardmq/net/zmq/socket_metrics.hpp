#pragma once
// The counters of every zmq socket as a metrics source ("zmq" group) for the stats endpoint.

#include <shardmq/net/metrics_registry.hpp>

namespace shardmq::net::zmq {

/// Adds the group "zmq" to `registry`: each core reports the sockets whose home it is, one series
/// per socket and counter, labelled socket="push-3" (type and a process-wide number), type and
/// endpoint (the last bind, or the first connect).
void add_zmq_source(metrics_registry& registry);

}  // namespace shardmq::net::zmq
