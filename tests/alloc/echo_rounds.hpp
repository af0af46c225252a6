#pragma once
// A client and a server socket on one io_context trading fixed-size messages, every async
// operation bound to a handler slot: the workload of the handler_slot tests.

#include <shardmq/alloc/handler_slot.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include <array>
#include <cstdint>
#include <cstring>

namespace shardmq::alloc::testing {

/// Two connected TCP sockets on 127.0.0.1 (an ephemeral port), both on `io`.
struct loopback_tcp_pair {
  explicit loopback_tcp_pair(asio::io_context& io) : client(io), server(io) {
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
    client.set_option(asio::ip::tcp::no_delay(true));
    server.set_option(asio::ip::tcp::no_delay(true));
  }
  asio::ip::tcp::socket client;
  asio::ip::tcp::socket server;
};

/// Round trips of `message_size` bytes: the client writes, the server reads and writes back,
/// the client reads and checks. Each socket keeps one read slot and one write slot.
template <class Socket>
struct echo_rounds {
  static constexpr std::size_t message_size = 64;
  echo_rounds(Socket& client_socket, Socket& server_socket, std::uint64_t rounds)
      : client(client_socket), server(server_socket), rounds_left(rounds) {}
  Socket& client;
  Socket& server;
  std::uint64_t rounds_left;
  std::uint64_t mismatches = 0;
  std::array<char, message_size> sent{}, echoed{}, at_server{};
  handler_slot<> client_read, client_write, server_read, server_write;

  void start() {
    std::memset(sent.data(), static_cast<int>(rounds_left & 0x7f), sent.size());
    asio::async_write(client, asio::buffer(sent),
                      bind_slot(client_write, [](std::error_code, std::size_t) {}));
    asio::async_read(server, asio::buffer(at_server),
                     bind_slot(server_read, [this](std::error_code e, std::size_t) {
                       if (!e) echo_back();
                     }));
    asio::async_read(client, asio::buffer(echoed),
                     bind_slot(client_read, [this](std::error_code e, std::size_t) {
                       if (e) return;
                       if (echoed != sent) ++mismatches;
                       if (--rounds_left != 0) start();
                     }));
  }
  void echo_back() {
    asio::async_write(server, asio::buffer(at_server),
                      bind_slot(server_write, [](std::error_code, std::size_t) {}));
  }
};

}  // namespace shardmq::alloc::testing
