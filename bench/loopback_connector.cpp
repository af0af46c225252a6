#include "loopback_connector.hpp"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace shardmq::bench {

namespace {

sockaddr_in parse_ipv4(const std::string& host, std::uint16_t port, const std::string& whole) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    throw std::invalid_argument("not an IPv4 address: '" + whole + "'");
  }
  return address;
}

[[noreturn]] void connect_failed(int fd, const sockaddr_in& destination, int error) {
  close(fd);
  throw std::runtime_error("connect to " + to_string(destination) + " failed: " + std::strerror(error));
}

}  // namespace

sockaddr_in parse_ipv4_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("want ADDR:PORT, not '" + text + "'");
  const std::string port_text = text.substr(colon + 1);
  char* end = nullptr;
  const unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port == 0 || port > 65535) {
    throw std::invalid_argument("want a port from 1 to 65535 in '" + text + "'");
  }
  return parse_ipv4(text.substr(0, colon), static_cast<std::uint16_t>(port), text);
}

std::vector<sockaddr_in> parse_source_addresses(const std::string& list) {
  std::vector<sockaddr_in> result;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string host = list.substr(start, comma - start);
    result.push_back(parse_ipv4(host, 0, host));
    start = comma + 1;
  }
  return result;
}

std::string to_string(const sockaddr_in& address) {
  char host[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &address.sin_addr, host, sizeof host);
  return std::string(host) + ":" + std::to_string(ntohs(address.sin_port));
}

std::uint64_t raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

int connect_nonblocking(const sockaddr_in& destination, const sockaddr_in& source,
                        std::chrono::milliseconds timeout) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw std::runtime_error(std::string("socket: ") + std::strerror(errno) +
                             (errno == EMFILE ? " (raise ulimit -n)" : ""));
  }
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  if (source.sin_addr.s_addr != 0) {
    // Without this, bind() would reserve an ephemeral port for the address alone; with it the
    // port is chosen at connect() for the whole 4-tuple, so every source address gets ~28 k.
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&source), sizeof source) != 0) {
      const int error = errno;
      close(fd);
      throw std::runtime_error("bind to source address " + to_string(source) + ": " + std::strerror(error));
    }
  }
  if (connect(fd, reinterpret_cast<const sockaddr*>(&destination), sizeof destination) == 0) return fd;
  if (errno != EINPROGRESS) connect_failed(fd, destination, errno);
  pollfd waiting{fd, POLLOUT, 0};
  const int ready = poll(&waiting, 1, static_cast<int>(timeout.count()));
  if (ready == 0) connect_failed(fd, destination, ETIMEDOUT);
  if (ready < 0) connect_failed(fd, destination, errno);
  int error = 0;
  socklen_t length = sizeof error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) connect_failed(fd, destination, error);
  return fd;
}

}  // namespace shardmq::bench
