#pragma once
// "host:port" strings as users type them on command lines and in endpoints.

#include <asio/ip/tcp.hpp>

#include <string>
#include <string_view>

namespace shardmq::net {

/// Parses "127.0.0.1:7000", "[::1]:7000", "localhost:7000" or "*:7000" (any address). The port
/// may be "0" or "*" for an ephemeral one. Throws std::invalid_argument naming what is wrong.
asio::ip::tcp::endpoint parse_tcp_address(std::string_view text);

/// "127.0.0.1:7000" or "[::1]:7000".
std::string format_tcp_address(const asio::ip::tcp::endpoint& endpoint);

}  // namespace shardmq::net
