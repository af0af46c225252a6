#pragma once
// One client of the stats endpoint: read a request head, answer it, close. A deadline timer
// bounds the whole life of the connection, so a slow or silent client costs one slot for at most
// that long and never delays the others (everything is asynchronous on the home core).

#include "http_request_reader.hpp"

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <memory>
#include <string>
#include <string_view>

namespace shardmq::net::detail {

class stats_server;

class http_connection : public std::enable_shared_from_this<http_connection> {
 public:
  http_connection(std::shared_ptr<stats_server> server, asio::ip::tcp::socket socket);
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  void start();
  /// Closes now (the server is stopping). Idempotent.
  void close() { finish(false); }

 private:
  void arm_deadline(asio::steady_timer::time_point at);
  void read_request();
  void on_request_bytes(const asio::error_code& error, std::size_t size);
  void serve();
  void respond(int status, std::string response);
  /// After the response: read and drop until the client closes (or the linger time ends).
  void discard_until_eof();
  void finish(bool timed_out);

  std::shared_ptr<stats_server> server_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer deadline_;
  http_request_reader request_;
  std::string response_;
  std::size_t discarded_ = 0;
  bool written_ = false;  // the response is out: a deadline from now on is not the client's fault
  bool finished_ = false;
  std::array<char, 2048> buffer_;
};

}  // namespace shardmq::net::detail
