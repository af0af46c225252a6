#include <shardmq/net/tcp_address.hpp>
#include <shardmq/net/zmq/endpoint.hpp>

#include <stdexcept>
#include <string>

namespace shardmq::net::zmq {

endpoint parse_endpoint(std::string_view text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    throw std::invalid_argument("shardmq: endpoint \"" + std::string(text) +
                                "\" has no transport (expected tcp://host:port or inproc://name)");
  }
  const std::string_view transport = text.substr(0, scheme_end);
  const std::string_view rest = text.substr(scheme_end + 3);
  endpoint result;
  if (transport == "tcp") {
    result.kind = endpoint::transport::tcp;
    try {
      result.address = parse_tcp_address(rest);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("shardmq: endpoint \"" + std::string(text) + "\": " + e.what());
    }
    return result;
  }
  if (transport == "inproc") {
    if (rest.empty())
      throw std::invalid_argument("shardmq: endpoint \"" + std::string(text) + "\" has an empty name");
    result.kind = endpoint::transport::inproc;
    result.name = std::string(rest);
    return result;
  }
  if (transport == "ipc") {
    throw std::invalid_argument("shardmq: ipc:// endpoints are not supported yet: \"" + std::string(text) +
                                "\"");
  }
  throw std::invalid_argument("shardmq: unknown transport \"" + std::string(transport) + "\" in \"" +
                              std::string(text) + "\" (expected tcp or inproc)");
}

std::string format_endpoint(const endpoint& e) {
  if (e.kind == endpoint::transport::inproc) return "inproc://" + e.name;
  return "tcp://" + format_tcp_address(e.address);
}

}  // namespace shardmq::net::zmq
