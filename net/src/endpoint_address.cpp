#include <shardmq/net/endpoint_address.hpp>

#include <asio/ip/address.hpp>

#include <charconv>
#include <stdexcept>
#include <string>

namespace shardmq::net {

asio::ip::tcp::endpoint parse_endpoint(std::string_view text) {
  auto fail = [&](const std::string& why) -> std::invalid_argument {
    return std::invalid_argument("shardmq: address '" + std::string(text) + "': " + why +
                                 " (expected IPv4:PORT such as 127.0.0.1:9100, or [IPv6]:PORT)");
  };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) throw fail("no port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    throw fail("an IPv6 address needs brackets");
  }

  unsigned port = 0;
  const char* end = port_text.data() + port_text.size();
  const auto [last, error] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || error != std::errc{} || last != end || port > 65535) {
    throw fail("port '" + std::string(port_text) + "' is not a number from 0 to 65535");
  }

  asio::error_code parse_error;
  const asio::ip::address address = asio::ip::make_address(std::string(host), parse_error);
  if (parse_error)
    throw fail("'" + std::string(host) + "' is not an IP address (host names are not resolved)");
  return {address, static_cast<unsigned short>(port)};
}

}  // namespace shardmq::net
