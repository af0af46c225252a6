#pragma once

#include <asio/ip/tcp.hpp>

#include <string_view>

namespace shardmq::net {

/// Parses "IPv4:PORT" or "[IPv6]:PORT" (port 0 asks the OS for a free one). Host names are not
/// resolved: a listener should not depend on DNS. Throws std::invalid_argument with the text and
/// the expected form.
asio::ip::tcp::endpoint parse_endpoint(std::string_view text);

}  // namespace shardmq::net
