#pragma once
// Opening the load client's TCP connections: non-blocking, TCP_NODELAY, optionally bound to one of
// several source addresses so that ten thousand connections to one port do not run out of ports.

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace shardmq::bench {

/// "127.0.0.1:7000" parsed; throws std::invalid_argument with a message naming the text.
sockaddr_in parse_ipv4_endpoint(const std::string& text);

/// "127.0.0.1,127.0.0.2" parsed (port 0); throws std::invalid_argument.
std::vector<sockaddr_in> parse_source_addresses(const std::string& list);

std::string to_string(const sockaddr_in& address);

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
std::uint64_t raise_descriptor_limit();

/// A connected, non-blocking TCP socket with TCP_NODELAY. `source` with sin_addr 0 means "let the
/// kernel choose". Throws std::runtime_error naming the destination and the cause on failure or
/// when the connection is not established within `timeout`.
int connect_nonblocking(const sockaddr_in& destination, const sockaddr_in& source,
                        std::chrono::milliseconds timeout);

}  // namespace shardmq::bench
