#pragma once
// The TCP counters of each core as a metrics source ("tcp" group) for the stats endpoint.

#include <shardmq/net/metrics_registry.hpp>
#include <shardmq/net/tcp_stack.hpp>

namespace shardmq::net {

/// Adds the group "tcp" (connections accepted/connected/open/closed, bytes in/out, errors, read
/// pauses) to `registry`; each core reports its own counters. `stack` must outlive the endpoints
/// that use the registry.
void add_tcp_source(metrics_registry& registry, tcp_stack& stack);

}  // namespace shardmq::net
