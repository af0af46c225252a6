#pragma once
// A blocking TCP client for the stats endpoint tests: plain POSIX sockets with poll() deadlines,
// so that a server bug fails a test instead of hanging it.

#include <gtest/gtest.h>

#include <asio/ip/tcp.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace shardmq::testing {

/// One connection to 127.0.0.1 (or whatever endpoint it is given).
class loopback_client {
 public:
  explicit loopback_client(const asio::ip::tcp::endpoint& server) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server.port());
    address.sin_addr.s_addr = htonl(server.address().to_v4().to_uint());
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect() failed: errno " + std::to_string(errno));
    }
  }
  ~loopback_client() { ::close(fd_); }
  loopback_client(const loopback_client&) = delete;
  loopback_client& operator=(const loopback_client&) = delete;

  /// False once the server has closed (EPIPE / reset).
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  struct received {
    std::string bytes;
    bool closed = false;  ///< EOF or reset seen before the timeout
  };

  /// Everything the server sends until it closes, or until `timeout`.
  received read_until_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    received result;
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now())
              .count();
      if (left <= 0) return result;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        result.closed = true;  // 0: FIN; -1: reset
        return result;
      }
      result.bytes.append(buffer, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
};

/// A response as the tests look at it; header names in lower case.
struct http_reply {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  bool closed = false;  ///< the server closed the connection after it
};

inline http_reply parse_reply(const loopback_client::received& raw) {
  http_reply reply;
  reply.closed = raw.closed;
  const std::size_t head_end = raw.bytes.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.bytes.compare(0, 9, "HTTP/1.1 ") != 0) return reply;
  reply.status = std::stoi(raw.bytes.substr(9, 3));
  std::size_t line = raw.bytes.find("\r\n") + 2;
  while (line < head_end) {
    const std::size_t next = raw.bytes.find("\r\n", line);
    const std::string header = raw.bytes.substr(line, next - line);
    const std::size_t colon = header.find(':');
    std::string name = header.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = header.substr(header.find_first_not_of(' ', colon + 1));
    line = next + 2;
  }
  reply.body = raw.bytes.substr(head_end + 4);
  return reply;
}

/// Sends `request` as is on a new connection and reads the reply until the server closes.
inline http_reply send_request(const asio::ip::tcp::endpoint& server, std::string_view request,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  loopback_client client(server);
  client.send(request);
  return parse_reply(client.read_until_closed(timeout));
}

inline http_reply http_get(const asio::ip::tcp::endpoint& server, std::string_view path) {
  return send_request(server, "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

}  // namespace shardmq::testing
