#include "tcp_binding.hpp"

#include "connection_relay.hpp"
#include "socket_core.hpp"
#include "zmtp_connection.hpp"

#include "../descriptor_in_transit.hpp"

#include <shardmq/core/engine.hpp>
#include <shardmq/core/log.hpp>
#include <shardmq/core/reactor.hpp>

#include <chrono>
#include <string>

namespace shardmq::net::zmq::detail {

tcp_binding::tcp_binding(socket_core& owner, const asio::ip::tcp::endpoint& endpoint)
    : owner_(owner), acceptor_(this_reactor().io_context()), retry_(this_reactor().io_context()) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(acceptor_type::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(1024);
  factory_ = [this](tcp_connection& connection) -> std::unique_ptr<stream_handler> {
    return std::make_unique<zmtp_connection>(owner_, connection, nullptr);
  };
  relays_ = owner_.spread_table();
  accept_next();
}

void tcp_binding::accept_next() {
  owner_.operation_started();
  acceptor_.async_accept([this](std::error_code error, tcp_connection::socket_type peer) {
    if (stopped_ || error == asio::error::operation_aborted) {
      owner_.operation_finished();  // may delete the socket (and us): last
      return;
    }
    if (error) {
      retry_later(error);
    } else {
      failing_ = false;
      ++owner_.stats().connections_accepted;
      if (relays_) {
        place(std::move(peer));
      } else {
        owner_.stack().adopt(std::move(peer), factory_, /*accepted=*/true, /*counted=*/false);
      }
      accept_next();
    }
    owner_.operation_finished();
  });
}

// Out of descriptors or memory: accepting again at once would spin on the same error; wait a
// little (the listener does the same), counted and logged.
void tcp_binding::retry_later(std::error_code error) {
  ++owner_.stack().core_state(owner_.home_core()).counters.accept_errors;
  if (!failing_) {  // once per streak: a retry every 50 ms would flood the log
    log(log_level::warning, "zmq: accept failed on " + owner_.last_endpoint() + ": " + error.message() +
                                " (retrying every 50 ms)");
  }
  failing_ = true;
  owner_.operation_started();
  retry_.expires_after(std::chrono::milliseconds(50));
  retry_.async_wait([this](std::error_code) {
    if (!stopped_) accept_next();
    owner_.operation_finished();  // may delete the socket (and us): last
  });
}

void tcp_binding::place(tcp_connection::socket_type peer) {
  tcp_stack& stack = owner_.stack();
  const unsigned target = stack.place(*owner_.options().spread);
  if (target == owner_.home_core()) {
    stack.adopt(std::move(peer), factory_, /*accepted=*/true, /*counted=*/true);
    return;
  }
  const bool v6 = acceptor_.local_endpoint().address().is_v6();
  net::detail::descriptor_in_transit fd(peer.release(), stack, target);
  submit_to(
      target,
      [fd = std::move(fd), table = relays_, &stack, v6]() mutable {
        tcp_connection::socket_type adopted(this_reactor().io_context());
        adopted.assign(v6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), fd.take());
        // The socket's relay on this core serves it; none once the socket closed (refused).
        stack.adopt(
            std::move(adopted),
            [&table](tcp_connection& connection) -> std::unique_ptr<stream_handler> {
              connection_relay* relay = connection_relay::on_this_core(table);
              if (relay == nullptr) return nullptr;
              return std::make_unique<zmtp_connection>(*relay, connection, nullptr);
            },
            true, true);
      },
      [](std::exception_ptr) {
        // Aborted only when the engine stops: the descriptor is closed with the lambda.
      });
}

void tcp_binding::stop() noexcept {
  stopped_ = true;
  std::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
}

}  // namespace shardmq::net::zmq::detail
