#include <shardmq/net/tcp_address.hpp>

#include <charconv>
#include <stdexcept>

namespace shardmq::net {

asio::ip::tcp::endpoint parse_tcp_address(std::string_view text) {
  auto fail = [&](const char* what) {
    throw std::invalid_argument("shardmq: bad TCP address '" + std::string(text) + "': " + what +
                                " (expected host:port, e.g. 127.0.0.1:7000)");
  };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) fail("no port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  if (port_text != "*") {
    const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || error != std::errc{} || end != port_text.data() + port_text.size() ||
        port > 65535)
      fail("the port is not a number from 0 to 65535");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    fail("an IPv6 host needs brackets, e.g. [::1]:7000");
  }
  if (host.empty()) fail("no host (use * for every address)");
  asio::ip::address address;
  if (host == "*") {
    address = asio::ip::address_v4::any();
  } else if (host == "localhost") {
    address = asio::ip::address_v4::loopback();
  } else {
    std::error_code error;
    address = asio::ip::make_address(std::string(host), error);
    if (error) fail("the host is not an IP address");
  }
  return {address, static_cast<unsigned short>(port)};
}

std::string format_tcp_address(const asio::ip::tcp::endpoint& endpoint) {
  const std::string host = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(endpoint.port());
}

}  // namespace shardmq::net
