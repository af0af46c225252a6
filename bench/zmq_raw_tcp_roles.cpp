// The floor for REQ/REP latency: a raw TCP ping-pong of `size`-byte messages between two
// blocking sockets with TCP_NODELAY, one connection, one message in flight. No framing, no event
// loop: a write and a blocking read on each side per round trip.

#include "zmq_role.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

namespace shardmq::bench::zmq_bench {

namespace {

[[noreturn]] void fail_errno(const std::string& what) { fail_role(what + ": " + std::strerror(errno)); }

void set_nodelay(int fd) {
  const int on = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) fail_errno("TCP_NODELAY");
}

/// "tcp://A.B.C.D:PORT" ("*" as the port: ephemeral) as a socket address.
sockaddr_in parse_tcp(const std::string& endpoint) {
  const std::string prefix = "tcp://";
  const auto colon = endpoint.rfind(':');
  if (endpoint.rfind(prefix, 0) != 0 || colon == std::string::npos || colon < prefix.size()) {
    fail_role("raw TCP wants tcp://ADDRESS:PORT, not '" + endpoint + "'", 2);
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  const std::string host = endpoint.substr(prefix.size(), colon - prefix.size());
  const std::string port = endpoint.substr(colon + 1);
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) fail_role("bad IPv4 address " + host, 2);
  address.sin_port = htons(port == "*" ? 0 : static_cast<std::uint16_t>(std::stoi(port)));
  return address;
}

/// False on an orderly end of stream before the first byte.
bool read_exact(int fd, std::byte* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, data + done, size - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n == 0) {
      if (done == 0) return false;
      fail_role("the peer closed in the middle of a message");
    } else if (errno != EINTR) {
      fail_errno("read");
    }
  }
  return true;
}

void write_all(int fd, const std::byte* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (errno != EINTR) {
      fail_errno("write");
    }
  }
}

/// Accepts one connection and echoes fixed-size messages until the client goes away.
int echo_server(const role_options& o) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) fail_errno("socket");
  sockaddr_in address = parse_tcp(o.endpoint);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail_errno("bind");
  if (::listen(listener, 1) != 0) fail_errno("listen");
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &address.sin_addr, host, sizeof host);
  report_ready(std::string("tcp://") + host + ":" + std::to_string(ntohs(address.sin_port)));
  const int fd = ::accept(listener, nullptr, nullptr);
  if (fd < 0) fail_errno("accept");
  set_nodelay(fd);
  std::vector<std::byte> buffer(o.size);
  while (read_exact(fd, buffer.data(), buffer.size())) write_all(fd, buffer.data(), buffer.size());
  ::close(fd);
  ::close(listener);
  return 0;
}

int ping_client(const role_options& o) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail_errno("socket");
  sockaddr_in address = parse_tcp(o.endpoint);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail_errno("connect");
  set_nodelay(fd);
  payload body(o.size);
  std::vector<std::byte> reply(o.size < 8 ? 8 : o.size);
  latency_histogram latencies;
  measured_window window;
  for (std::uint64_t i = 0; i < o.warmup + o.messages; ++i) {
    if (i == o.warmup) window.open();
    const auto sent = bench_clock::now();
    const auto bytes = body.with_sequence(i);
    write_all(fd, bytes.data(), bytes.size());
    if (!read_exact(fd, reply.data(), reply.size())) fail_role("the echo server closed the connection");
    const auto took = bench_clock::now() - sent;
    expect_sequence(sequence_of(reply.data(), reply.size(), o.size), i);
    if (i >= o.warmup) latencies.record(static_cast<std::uint64_t>(std::chrono::nanoseconds(took).count()));
  }
  window.close(o.messages, &latencies);
  ::close(fd);
  return 0;
}

}  // namespace

int run_raw_tcp_role(const role_options& o) {
  if (o.role == "tcp_echo") return echo_server(o);
  if (o.role == "tcp_ping") return ping_client(o);
  fail_role("raw TCP has no role " + o.role, 2);
}

}  // namespace shardmq::bench::zmq_bench
