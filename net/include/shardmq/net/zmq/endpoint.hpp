#pragma once
// ZeroMQ endpoint strings: "tcp://127.0.0.1:5555", "tcp://*:*" (any address, ephemeral port),
// "tcp://localhost:5555", "inproc://name".

#include <asio/ip/tcp.hpp>

#include <string>
#include <string_view>

namespace shardmq::net::zmq {

/// A parsed endpoint. For tcp, `address` is resolved (a name is looked up when parsed).
struct endpoint {
  enum class transport { tcp, inproc };
  transport kind = transport::tcp;
  asio::ip::tcp::endpoint address;  ///< tcp: port 0 means ephemeral (bind only)
  std::string name;                 ///< inproc: the name after "inproc://"
};

/// Parses an endpoint; std::invalid_argument naming what is wrong (unknown transport, missing
/// port, empty inproc name, ...). ipc:// is refused as not supported yet.
endpoint parse_endpoint(std::string_view text);
/// The endpoint as a string ("tcp://127.0.0.1:5555", "inproc://name").
std::string format_endpoint(const endpoint& e);

}  // namespace shardmq::net::zmq
