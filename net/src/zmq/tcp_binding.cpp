#include "tcp_binding.hpp"

#include "socket_core.hpp"
#include "zmtp_connection.hpp"

#include <shardmq/core/log.hpp>
#include <shardmq/core/reactor.hpp>

#include <string>

namespace shardmq::net::zmq::detail {

tcp_binding::tcp_binding(socket_core& owner, const asio::ip::tcp::endpoint& endpoint)
    : owner_(owner), acceptor_(this_reactor().io_context()) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(acceptor_type::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(1024);
  factory_ = [this](tcp_connection& connection) -> std::unique_ptr<stream_handler> {
    return std::make_unique<zmtp_connection>(owner_, connection, nullptr);
  };
  accept_next();
}

void tcp_binding::accept_next() {
  owner_.operation_started();
  acceptor_.async_accept([this](std::error_code error, tcp_connection::socket_type peer) {
    if (stopped_ || error == asio::error::operation_aborted) {
      owner_.operation_finished();  // may delete the socket (and us): last
      return;
    }
    if (!error) {
      ++owner_.stats().connections_accepted;
      owner_.stack().adopt(std::move(peer), factory_, /*accepted=*/true, /*counted=*/false);
    } else {
      log(log_level::warning, "zmq: accept failed: " + error.message());
    }
    // Out of descriptors: keep accepting anyway, the next connection may fit (a retry timer
    // would be kinder; the error is logged).
    accept_next();
    owner_.operation_finished();
  });
}

void tcp_binding::stop() noexcept {
  stopped_ = true;
  std::error_code ignored;
  acceptor_.close(ignored);
}

}  // namespace shardmq::net::zmq::detail
